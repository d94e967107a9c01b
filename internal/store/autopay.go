package store

import (
	"context"
	"errors"
	"time"

	"github.com/lib/pq"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/jobs"
)

// Mandate is a debtor's direct-debit mandate at the provider: pending
// from the moment autopay is asked for (the provider's customer is
// known) until the first payment is paid, then valid until it is revoked
// (by the debtor, here) or the provider declares it invalid.
type Mandate struct {
	ID         int64      `db:"id"`
	CreditorID int64      `db:"creditor_id"`
	DebtorID   int64      `db:"debtor_id"`
	Provider   string     `db:"provider"`
	CustomerID string     `db:"customer_id"`
	MandateID  *string    `db:"mandate_id"`
	Status     string     `db:"status"`  // pending, valid, invalid, revoked
	Details    string     `db:"details"` // the masked account, for display
	CreatedAt  time.Time  `db:"created_at"`
	RevokedAt  *time.Time `db:"revoked_at"`
}

const mandateColumns = `id, creditor_id, debtor_id, provider, customer_id, mandate_id, status, details, created_at, revoked_at`

// LiveMandate returns a debtor's pending or valid mandate (at most one
// exists), optionally locked.
func (s *Store) LiveMandate(ctx context.Context, creditorID, debtorID int64, lock bool) (m *Mandate, err error) {
	defer wrap(&err, "LiveMandate(%d, %d)", creditorID, debtorID)
	q := `SELECT ` + mandateColumns + ` FROM mandates
		WHERE creditor_id = $1 AND debtor_id = $2 AND status IN ('pending', 'valid')`
	if lock {
		q += ` FOR UPDATE`
	}
	m = &Mandate{}
	err = s.q.GetContext(ctx, m, q, creditorID, debtorID)
	return m, err
}

// LatestMandate returns a debtor's newest mandate in any state.
func (s *Store) LatestMandate(ctx context.Context, creditorID, debtorID int64) (m *Mandate, err error) {
	defer wrap(&err, "LatestMandate(%d, %d)", creditorID, debtorID)
	m = &Mandate{}
	err = s.q.GetContext(ctx, m, `SELECT `+mandateColumns+` FROM mandates
		WHERE creditor_id = $1 AND debtor_id = $2 ORDER BY (status IN ('pending', 'valid')) DESC, id DESC LIMIT 1`,
		creditorID, debtorID)
	return m, err
}

// MandateByID returns one of a creditor's mandates by row id.
func (s *Store) MandateByID(ctx context.Context, creditorID, id int64) (m *Mandate, err error) {
	defer wrap(&err, "MandateByID(%d, %d)", creditorID, id)
	m = &Mandate{}
	err = s.q.GetContext(ctx, m, `SELECT `+mandateColumns+` FROM mandates WHERE creditor_id = $1 AND id = $2`, creditorID, id)
	return m, err
}

// CreateMandate inserts a pending mandate. When the debtor already has a
// live one (a second request raced this one) it is a Conflict.
func (s *Store) CreateMandate(ctx context.Context, m *Mandate) (err error) {
	defer wrap(&err, "CreateMandate(%d, %d)", m.CreditorID, m.DebtorID)
	if m.Provider == "" {
		m.Provider = "mollie"
	}
	err = s.q.GetContext(ctx, m, `INSERT INTO mandates (creditor_id, debtor_id, provider, customer_id, status, details, created_at)
		VALUES ($1, $2, $3, $4, 'pending', $5, COALESCE($6, now())) RETURNING `+mandateColumns,
		m.CreditorID, m.DebtorID, m.Provider, m.CustomerID, m.Details, nullTime(m.CreatedAt))
	if isUnique(err) {
		return ar.Errorf(ar.Conflict, "error.autopay.busy")
	}
	return err
}

// SetMandateState records what the provider says of a mandate.
func (s *Store) SetMandateState(ctx context.Context, id int64, mandateID *string, status, details string) (err error) {
	defer wrap(&err, "SetMandateState(%d, %s)", id, status)
	_, err = s.q.ExecContext(ctx, `UPDATE mandates SET mandate_id = COALESCE($2, mandate_id), status = $3,
		details = CASE WHEN $4 <> '' THEN $4 ELSE details END WHERE id = $1`, id, mandateID, status, details)
	return err
}

// RevokeMandate marks a mandate revoked by the debtor.
func (s *Store) RevokeMandate(ctx context.Context, id int64, at time.Time) (err error) {
	defer wrap(&err, "RevokeMandate(%d)", id)
	_, err = s.q.ExecContext(ctx, `UPDATE mandates SET status = 'revoked', revoked_at = $2 WHERE id = $1`, id, at)
	return err
}

// PendingMandates lists mandates the provider has made (they have its
// id) that are not valid yet, to ask again.
func (s *Store) PendingMandates(ctx context.Context, limit int) (list []Mandate, err error) {
	defer wrap(&err, "PendingMandates")
	err = s.q.SelectContext(ctx, &list, `SELECT `+mandateColumns+` FROM mandates
		WHERE status = 'pending' AND mandate_id IS NOT NULL ORDER BY id LIMIT $1`, limit)
	return list, err
}

// MandatePlans lists the plans that use a mandate (autopay on or once
// on), newest first, locked when lock is set.
func (s *Store) MandatePlans(ctx context.Context, creditorID, mandateRowID int64, lock bool) (list []Plan, err error) {
	defer wrap(&err, "MandatePlans(%d, %d)", creditorID, mandateRowID)
	q := `SELECT ` + planColumns + ` FROM payment_plans WHERE creditor_id = $1 AND mandate_id = $2 ORDER BY id DESC`
	if lock {
		q += ` FOR UPDATE`
	}
	err = s.q.SelectContext(ctx, &list, q, creditorID, mandateRowID)
	return list, err
}

// SetPlanAutopay turns autopay of a plan on (with its mandate) or off
// (the plan keeps naming the mandate it used).
func (s *Store) SetPlanAutopay(ctx context.Context, p *Plan, on bool, mandateRowID *int64) (err error) {
	defer wrap(&err, "SetPlanAutopay(%d, %t)", p.ID, on)
	_, err = s.q.ExecContext(ctx, `UPDATE payment_plans SET autopay = $2, mandate_id = COALESCE($3, mandate_id)
		WHERE id = $1`, p.ID, on, mandateRowID)
	if err == nil {
		p.Autopay = on
		if mandateRowID != nil {
			p.MandateID = mandateRowID
		}
	}
	return err
}

// PlanPayments lists a plan's payments of one sequence type ("" for
// any), newest first.
func (s *Store) PlanPayments(ctx context.Context, planID int64, sequenceType string) (list []Payment, err error) {
	defer wrap(&err, "PlanPayments(%d, %q)", planID, sequenceType)
	err = s.q.SelectContext(ctx, &list, `SELECT `+paymentColumns+` FROM payments
		WHERE plan_id = $1 AND ($2 = '' OR sequence_type = $2) ORDER BY id DESC`, planID, sequenceType)
	return list, err
}

// LiveCharges lists a debtor's autopay payments the provider may still
// collect: placed (provider id known), open or pending.
func (s *Store) LiveCharges(ctx context.Context, creditorID, debtorID int64) (list []Payment, err error) {
	defer wrap(&err, "LiveCharges(%d, %d)", creditorID, debtorID)
	err = s.q.SelectContext(ctx, &list, `SELECT `+paymentColumns+` FROM payments
		WHERE creditor_id = $1 AND debtor_id = $2 AND sequence_type = 'recurring' AND provider_id IS NOT NULL
			AND status IN ('open', 'pending') ORDER BY id`, creditorID, debtorID)
	return list, err
}

// DueCharge is an instalment autopay should collect now.
type DueCharge struct {
	PlanID     int64  `db:"plan_id"`
	Seq        int    `db:"seq"`
	CreditorID int64  `db:"creditor_id"`
	DebtorID   int64  `db:"debtor_id"`
	OpenMinor  int64  `db:"open_minor"`
	Currency   string `db:"currency"`
	MandateRow int64  `db:"mandate_row"`
}

// dueChargesSQL finds instalments to charge at $1: due on or before the
// creditor's today, not fully paid, of an active plan with autopay on a
// valid mandate, and never charged before: a charge that is live, or
// failed (at the bank, or refused by the provider) is not repeated by
// itself (the reminder and the grace period take over); only one that
// was called off before it reached the provider (the plan or the mandate
// did not allow it then) leaves the instalment to charge. $3/$4 narrow
// it to one plan and instalment.
const dueChargesSQL = `SELECT pi.plan_id, pi.seq, pp.creditor_id, pp.debtor_id,
		pi.amount_minor - pi.paid_minor AS open_minor, pp.currency, m.id AS mandate_row
	FROM plan_instalments pi
	JOIN payment_plans pp ON pp.id = pi.plan_id
	JOIN creditors c ON c.id = pp.creditor_id
	JOIN mandates m ON m.id = pp.mandate_id AND m.creditor_id = pp.creditor_id AND m.debtor_id = pp.debtor_id
	WHERE pp.status = 'active' AND pp.autopay AND m.status = 'valid' AND m.mandate_id IS NOT NULL
		AND pi.paid_minor < pi.amount_minor
		AND pi.due_date <= ($1::timestamptz AT TIME ZONE c.timezone)::date
		AND ($3 = 0 OR pi.plan_id = $3) AND ($4 = 0 OR pi.seq = $4)
		AND NOT EXISTS (SELECT 1 FROM payments x WHERE x.plan_id = pi.plan_id AND x.instalment_seq = pi.seq
			AND x.sequence_type = 'recurring' AND NOT (x.status = 'canceled' AND x.provider_id IS NULL))
		AND NOT EXISTS (SELECT 1 FROM payments x WHERE x.plan_id = pi.plan_id AND x.sequence_type = 'first'
			AND x.status IN ('open', 'pending') AND x.provider_id IS NOT NULL)
	ORDER BY pi.due_date, pi.plan_id, pi.seq LIMIT $2`

// DueCharges lists instalments autopay should charge at now.
func (s *Store) DueCharges(ctx context.Context, now time.Time, limit int) (list []DueCharge, err error) {
	defer wrap(&err, "DueCharges")
	err = s.q.SelectContext(ctx, &list, dueChargesSQL, now, limit, 0, 0)
	return list, err
}

// DueCharge checks one instalment again (the caller holds the plan's
// lock): NotFound when it is not to be charged (any more).
func (s *Store) DueCharge(ctx context.Context, planID int64, seq int, now time.Time) (c *DueCharge, err error) {
	defer wrap(&err, "DueCharge(%d, %d)", planID, seq)
	c = &DueCharge{}
	err = s.q.GetContext(ctx, c, dueChargesSQL, now, 1, planID, seq)
	return c, err
}

// CreateCharge inserts the payment row of a recurring charge. When the
// instalment already has a live charge (the unique index
// payments_instalment_charge_idx) it inserts nothing and reports false.
func (s *Store) CreateCharge(ctx context.Context, p *Payment) (created bool, err error) {
	defer wrap(&err, "CreateCharge(%s)", p.PublicID)
	if err := s.CreatePayment(ctx, p); err != nil {
		if isUnique(err) {
			return false, nil
		}
		return false, err
	}
	return true, nil
}

// EnqueueJob adds a job in the caller's transaction (see jobs.Enqueue).
func (s *Store) EnqueueJob(ctx context.Context, kind string, payload any, opts ...jobs.Option) (err error) {
	defer wrap(&err, "EnqueueJob(%s)", kind)
	_, err = jobs.Enqueue(ctx, s.q, kind, payload, opts...)
	return err
}

// ReopenInstalments takes money that went back to the debtor (a
// chargeback, a refund) off a plan's paid instalments: the instalment
// the payment was for first, then the others from the last one back. A
// reopened instalment may be reminded again. It returns what was
// reopened per instalment.
func (s *Store) ReopenInstalments(ctx context.Context, planID int64, seq int, amountMinor int64) (reopened map[int]int64, err error) {
	defer wrap(&err, "ReopenInstalments(%d, %d)", planID, seq)
	var ins []PlanInstalment
	if err = s.q.SelectContext(ctx, &ins, `SELECT plan_id, seq, due_date, amount_minor, paid_minor, reminded_at
		FROM plan_instalments WHERE plan_id = $1 AND paid_minor > 0
		ORDER BY seq = $2 DESC, seq DESC FOR UPDATE`, planID, seq); err != nil {
		return nil, err
	}
	reopened = map[int]int64{}
	left := amountMinor
	for _, in := range ins {
		if left <= 0 {
			break
		}
		part := min(left, in.PaidMinor)
		if _, err = s.q.ExecContext(ctx, `UPDATE plan_instalments SET paid_minor = paid_minor - $3, reminded_at = NULL
			WHERE plan_id = $1 AND seq = $2`, planID, in.Seq, part); err != nil {
			return nil, err
		}
		reopened[in.Seq] = part
		left -= part
	}
	return reopened, nil
}

// OverdueInstalment is an instalment of an active plan still open after
// its due date.
type OverdueInstalment struct {
	PlanID     int64      `db:"plan_id"`
	Seq        int        `db:"seq"`
	CreditorID int64      `db:"creditor_id"`
	DebtorID   int64      `db:"debtor_id"`
	DueDate    time.Time  `db:"due_date"`
	OpenMinor  int64      `db:"open_minor"`
	Currency   string     `db:"currency"`
	RemindedAt *time.Time `db:"reminded_at"`
}

// OverdueInstalments lists instalments of active plans that are not fully
// paid and were due before the creditor's today at now, earliest first.
// An instalment with a payment under way (a direct debit takes days, a
// checkout may be open) is not overdue while it lasts.
func (s *Store) OverdueInstalments(ctx context.Context, now time.Time, limit int) (list []OverdueInstalment, err error) {
	defer wrap(&err, "OverdueInstalments")
	err = s.q.SelectContext(ctx, &list, `SELECT pi.plan_id, pi.seq, pp.creditor_id, pp.debtor_id, pi.due_date,
			pi.amount_minor - pi.paid_minor AS open_minor, pp.currency, pi.reminded_at
		FROM plan_instalments pi
		JOIN payment_plans pp ON pp.id = pi.plan_id
		JOIN creditors c ON c.id = pp.creditor_id
		WHERE pp.status = 'active' AND pi.paid_minor < pi.amount_minor
			AND pi.due_date < ($1::timestamptz AT TIME ZONE c.timezone)::date
			AND NOT EXISTS (SELECT 1 FROM payments x WHERE x.plan_id = pi.plan_id
				AND x.sequence_type IN ('first', 'recurring') AND x.status IN ('open', 'pending')
				AND (x.instalment_seq = pi.seq OR (x.sequence_type = 'first' AND x.provider_id IS NOT NULL)))
		ORDER BY pi.due_date, pi.plan_id, pi.seq LIMIT $2`, now, limit)
	return list, err
}

// MarkInstalmentReminded records the reminder of an instalment; it
// reports false when it was reminded already (by another run).
func (s *Store) MarkInstalmentReminded(ctx context.Context, planID int64, seq int, at time.Time) (marked bool, err error) {
	defer wrap(&err, "MarkInstalmentReminded(%d, %d)", planID, seq)
	res, err := s.q.ExecContext(ctx, `UPDATE plan_instalments SET reminded_at = $3
		WHERE plan_id = $1 AND seq = $2 AND reminded_at IS NULL`, planID, seq, at)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func isUnique(err error) bool {
	var pe *pq.Error
	return errors.As(err, &pe) && pe.Code == "23505"
}
