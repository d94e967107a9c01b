package store

import (
	"context"
	"time"
)

// Promise is a debtor's promise to pay an amount by a date, made on the
// phone (source call) or in the portal (source portal). A debtor has at
// most one open promise: a new one replaces it.
type Promise struct {
	ID          int64      `db:"id"`
	CreditorID  int64      `db:"creditor_id"`
	DebtorID    int64      `db:"debtor_id"`
	AmountMinor int64      `db:"amount_minor"`
	Currency    string     `db:"currency"`
	DueDate     time.Time  `db:"due_date"` // civil date: paid by the end of it
	Status      string     `db:"status"`   // open, kept, broken, cancelled
	Source      string     `db:"source"`   // call or portal
	StaffID     *int64     `db:"staff_id"`
	CreatedAt   time.Time  `db:"created_at"`
	RemindedAt  *time.Time `db:"reminded_at"`
	ClosedAt    *time.Time `db:"closed_at"`
	ReplacedBy  *int64     `db:"replaced_by"`
	// Replaced is the open promise CreatePromise cancelled for this one
	// (not stored).
	Replaced *Promise `db:"-"`
}

// Promise statuses.
const (
	PromiseOpen      = "open"
	PromiseKept      = "kept"
	PromiseBroken    = "broken"
	PromiseCancelled = "cancelled"
)

const promiseColumns = `id, creditor_id, debtor_id, amount_minor, currency, due_date, status, source, staff_id,
	created_at, reminded_at, closed_at, replaced_by`

// CreatePromise records a promise to pay, made at p.CreatedAt (now when
// zero). The debtor's open promise, if any, is cancelled and replaced by
// the new one (returned in p.Replaced): the debtor row is locked first,
// so promises made at the same moment replace one another in turn, and
// a unique index keeps it at one open promise whatever happens.
func (s *Store) CreatePromise(ctx context.Context, p *Promise) (err error) {
	defer wrap(&err, "CreatePromise(%d)", p.DebtorID)
	return s.InTx(ctx, func(tx *Store) error {
		var locked int64
		if err := tx.q.GetContext(ctx, &locked, `SELECT id FROM debtors WHERE creditor_id = $1 AND id = $2 FOR UPDATE`,
			p.CreditorID, p.DebtorID); err != nil {
			return err
		}
		old, err := tx.OpenPromise(ctx, p.CreditorID, p.DebtorID)
		if err != nil {
			return err
		}
		at := p.CreatedAt
		if at.IsZero() {
			at = time.Now()
		}
		if old != nil {
			if _, err := tx.q.ExecContext(ctx, `UPDATE promises SET status = 'cancelled', closed_at = $3
				WHERE creditor_id = $1 AND id = $2`, p.CreditorID, old.ID, at); err != nil {
				return err
			}
		}
		if err := tx.q.GetContext(ctx, p, `INSERT INTO promises (creditor_id, debtor_id, amount_minor, currency,
			due_date, source, staff_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING `+promiseColumns,
			p.CreditorID, p.DebtorID, p.AmountMinor, p.Currency, p.DueDate, p.Source, p.StaffID, at); err != nil {
			return err
		}
		if old != nil {
			if _, err := tx.q.ExecContext(ctx, `UPDATE promises SET replaced_by = $3 WHERE creditor_id = $1 AND id = $2`,
				p.CreditorID, old.ID, p.ID); err != nil {
				return err
			}
			old.Status, old.ClosedAt, old.ReplacedBy = PromiseCancelled, &at, &p.ID
		}
		p.Replaced = old
		return nil
	})
}

// Promises lists a debtor's promises, latest due date first.
func (s *Store) Promises(ctx context.Context, creditorID, debtorID int64) (list []Promise, err error) {
	defer wrap(&err, "Promises(%d, %d)", creditorID, debtorID)
	err = s.q.SelectContext(ctx, &list, `SELECT `+promiseColumns+` FROM promises WHERE creditor_id = $1 AND debtor_id = $2
		ORDER BY due_date DESC, id DESC LIMIT 50`, creditorID, debtorID)
	return list, err
}

// OpenPromise is the debtor's open promise to pay, or nil when there is
// none. Dunning waits while there is one: a promise is open until the
// lifecycle job finds it kept or broken (the day after its due date at
// the latest, plus a day for a transfer to arrive), or a newer one
// replaces it.
func (s *Store) OpenPromise(ctx context.Context, creditorID, debtorID int64) (p *Promise, err error) {
	defer wrap(&err, "OpenPromise(%d, %d)", creditorID, debtorID)
	var list []Promise
	if err := s.q.SelectContext(ctx, &list, `SELECT `+promiseColumns+` FROM promises
		WHERE creditor_id = $1 AND debtor_id = $2 AND status = 'open'`, creditorID, debtorID); err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, nil
	}
	return &list[0], nil
}

// LockPromise loads one of a creditor's promises and locks it until the
// transaction ends.
func (s *Store) LockPromise(ctx context.Context, creditorID, id int64) (p *Promise, err error) {
	defer wrap(&err, "LockPromise(%d, %d)", creditorID, id)
	p = new(Promise)
	err = s.q.GetContext(ctx, p, `SELECT `+promiseColumns+` FROM promises WHERE creditor_id = $1 AND id = $2 FOR UPDATE`,
		creditorID, id)
	return p, err
}

// DuePromise is an open promise the lifecycle job looks at, with what the
// debtor paid since making it.
type DuePromise struct {
	Promise
	PaidMinor int64 `db:"paid_minor"`
}

// DuePromises lists open promises (of every creditor) that are due by
// the date until (a civil date; the caller decides per creditor's time
// zone) or that payments made since cover, earliest first, at most limit.
func (s *Store) DuePromises(ctx context.Context, until time.Time, limit int) (list []DuePromise, err error) {
	defer wrap(&err, "DuePromises(%s)", until.Format(time.DateOnly))
	err = s.q.SelectContext(ctx, &list, `SELECT * FROM (
			SELECT `+promiseColumns+`, (SELECT COALESCE(sum(y.amount_minor), 0) FROM payments y
				WHERE y.creditor_id = p.creditor_id AND y.debtor_id = p.debtor_id AND y.status = 'paid'
					AND y.created_at >= p.created_at) AS paid_minor
			FROM promises p WHERE p.status = 'open') d
		WHERE d.due_date <= $1 OR d.paid_minor >= d.amount_minor
		ORDER BY d.due_date, d.id LIMIT $2`, until.Format(time.DateOnly), limit)
	return list, err
}

// MarkPromiseReminded records that a promise's reminder went out; false
// when it had gone out already (another worker was first).
func (s *Store) MarkPromiseReminded(ctx context.Context, creditorID, id int64, at time.Time) (bool, error) {
	res, err := s.q.ExecContext(ctx, `UPDATE promises SET reminded_at = $3
		WHERE creditor_id = $1 AND id = $2 AND status = 'open' AND reminded_at IS NULL`, creditorID, id, at)
	if err != nil {
		return false, wrapErr(err, "MarkPromiseReminded(%d)", id)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ClosePromise ends an open promise as kept, broken or cancelled; false
// when it was no longer open.
func (s *Store) ClosePromise(ctx context.Context, creditorID, id int64, status string, at time.Time) (bool, error) {
	res, err := s.q.ExecContext(ctx, `UPDATE promises SET status = $3, closed_at = $4
		WHERE creditor_id = $1 AND id = $2 AND status = 'open'`, creditorID, id, status, at)
	if err != nil {
		return false, wrapErr(err, "ClosePromise(%d, %s)", id, status)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func wrapErr(err error, op string, args ...any) error {
	wrap(&err, op, args...)
	return err
}
