package store

import (
	"context"
	"errors"
	"time"

	"github.com/lib/pq"

	"github.com/settle/settle/internal/ar"
)

// DisputeReasons returns the reasons a creditor offers, in order, or the
// standard ones when it has not set a list.
func (s *Store) DisputeReasons(ctx context.Context, creditorID int64) (list []ar.DisputeReason, err error) {
	defer wrap(&err, "DisputeReasons(%d)", creditorID)
	err = s.q.SelectContext(ctx, &list, `SELECT code, label FROM dispute_reasons
		WHERE creditor_id = $1 ORDER BY position, code`, creditorID)
	if err == nil && len(list) == 0 {
		list = ar.DefaultDisputeReasons()
	}
	return list, err
}

// SaveDisputeReasons replaces the reasons a creditor offers (an empty
// list: the standard ones).
func (s *Store) SaveDisputeReasons(ctx context.Context, creditorID int64, list []ar.DisputeReason) (err error) {
	defer wrap(&err, "SaveDisputeReasons(%d)", creditorID)
	return s.InTx(ctx, func(tx *Store) error {
		if _, err := tx.q.ExecContext(ctx, `DELETE FROM dispute_reasons WHERE creditor_id = $1`, creditorID); err != nil {
			return err
		}
		for i, r := range list {
			if _, err := tx.q.ExecContext(ctx, `INSERT INTO dispute_reasons (creditor_id, code, label, position)
				VALUES ($1, $2, $3, $4)`, creditorID, r.Code, r.Label, i+1); err != nil {
				return err
			}
		}
		return nil
	})
}

// Dispute is a debtor's objection to an invoice or some of its lines.
type Dispute struct {
	ID            int64            `db:"id"`
	PublicID      string           `db:"public_id"`
	CreditorID    int64            `db:"creditor_id"`
	DebtorID      int64            `db:"debtor_id"`
	InvoiceID     int64            `db:"invoice_id"`
	InvoiceNumber string           `db:"invoice_number"` // read only
	Lines         pq.Int64Array    `db:"lines"`          // line positions; empty: the whole invoice
	Reason        string           `db:"reason"`
	ReasonLabel   string           `db:"reason_label"`
	PaidOn        *time.Time       `db:"paid_on"`
	PaidMinor     *int64           `db:"paid_minor"`
	PaidReference string           `db:"paid_reference"`
	DisputedMinor int64            `db:"disputed_minor"`
	Currency      string           `db:"currency"`
	Status        ar.DisputeStatus `db:"status"`
	AssistedBy    *int64           `db:"assisted_by"`
	CreatedAt     time.Time        `db:"created_at"`
	UpdatedAt     time.Time        `db:"updated_at"`
	DecidedAt     *time.Time       `db:"decided_at"`
	DecidedBy     *int64           `db:"decided_by"`
	DecisionNote  string           `db:"decision_note"`
	// Issue 9: a credit request is a case of kind credit_request (ar.Case*).
	Kind           string `db:"kind"`
	RequestedMinor *int64 `db:"requested_minor"` // a credit request's amount in mind, if any
}

// LinePositions are the disputed lines as ints.
func (d *Dispute) LinePositions() []int {
	out := make([]int, len(d.Lines))
	for i, l := range d.Lines {
		out[i] = int(l)
	}
	return out
}

const disputeColumns = `d.id, d.public_id, d.creditor_id, d.debtor_id, d.invoice_id, i.number AS invoice_number,
	d.lines, d.reason, d.reason_label, d.paid_on, d.paid_minor, d.paid_reference, d.disputed_minor, d.currency,
	d.status, d.assisted_by, d.created_at, d.updated_at, d.decided_at, d.decided_by, d.decision_note,
	d.kind, d.requested_minor`

const disputeFrom = ` FROM disputes d JOIN invoices i ON i.id = d.invoice_id `

// CreateDispute inserts a dispute (CreatedAt zero: now). Another live
// dispute on the invoice makes it a Conflict (error.dispute.exists).
func (s *Store) CreateDispute(ctx context.Context, d *Dispute) (err error) {
	defer wrap(&err, "CreateDispute(%d, %d)", d.CreditorID, d.InvoiceID)
	if d.Lines == nil {
		d.Lines = pq.Int64Array{}
	}
	if d.Status == "" {
		d.Status = ar.DisputeOpen
	}
	if d.Kind == "" {
		d.Kind = ar.CaseDispute
	}
	err = s.q.QueryRowxContext(ctx, `INSERT INTO disputes (public_id, creditor_id, debtor_id, invoice_id, lines,
		reason, reason_label, paid_on, paid_minor, paid_reference, disputed_minor, currency, status, assisted_by,
		created_at, updated_at, kind, requested_minor)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, COALESCE($15, now()), COALESCE($15, now()),
			$16, $17)
		RETURNING id, created_at, updated_at`,
		d.PublicID, d.CreditorID, d.DebtorID, d.InvoiceID, d.Lines, d.Reason, d.ReasonLabel, d.PaidOn, d.PaidMinor,
		d.PaidReference, d.DisputedMinor, d.Currency, d.Status, d.AssistedBy, nullTime(d.CreatedAt), d.Kind,
		d.RequestedMinor).
		Scan(&d.ID, &d.CreatedAt, &d.UpdatedAt)
	var pe *pq.Error
	if errors.As(err, &pe) && pe.Code == "23505" && pe.Constraint == "disputes_live_idx" {
		return ar.Errorf(ar.Conflict, "error.dispute.exists")
	}
	return err
}

// LiveDispute returns the live dispute on one of a creditor's invoices
// (a live credit request is not one: LiveCase).
func (s *Store) LiveDispute(ctx context.Context, creditorID, invoiceID int64) (d *Dispute, err error) {
	return s.LiveCase(ctx, creditorID, invoiceID, ar.CaseDispute)
}

// LiveCase returns the live case of a kind (ar.Case*) on one of a
// creditor's invoices.
func (s *Store) LiveCase(ctx context.Context, creditorID, invoiceID int64, kind string) (d *Dispute, err error) {
	defer wrap(&err, "LiveCase(%d, %d, %s)", creditorID, invoiceID, kind)
	d = new(Dispute)
	err = s.hotGet(ctx, d, `SELECT `+disputeColumns+disputeFrom+`WHERE d.creditor_id = $1
		AND d.invoice_id = $2 AND d.kind = $3 AND d.status IN ('open', 'info_requested')`, creditorID, invoiceID, kind)
	return d, err
}

// DisputeByPublicID loads one of a debtor's disputes by its public id;
// anyone else's is not found.
func (s *Store) DisputeByPublicID(ctx context.Context, creditorID, debtorID int64, publicID string) (d *Dispute, err error) {
	defer wrap(&err, "DisputeByPublicID(%d, %d)", creditorID, debtorID)
	d = new(Dispute)
	err = s.q.GetContext(ctx, d, `SELECT `+disputeColumns+disputeFrom+`WHERE d.creditor_id = $1
		AND d.debtor_id = $2 AND d.public_id = $3`, creditorID, debtorID, publicID)
	return d, err
}

// Dispute loads one of a creditor's disputes by id (any of its debtors),
// optionally locking it until the transaction ends.
func (s *Store) Dispute(ctx context.Context, creditorID, id int64, lock bool) (d *Dispute, err error) {
	defer wrap(&err, "Dispute(%d, %d)", creditorID, id)
	q := `SELECT ` + disputeColumns + disputeFrom + `WHERE d.creditor_id = $1 AND d.id = $2`
	if lock {
		q += ` FOR UPDATE OF d`
	}
	d = new(Dispute)
	err = s.q.GetContext(ctx, d, q, creditorID, id)
	return d, err
}

// DebtorDisputes lists a debtor's disputes, newest first.
func (s *Store) DebtorDisputes(ctx context.Context, creditorID, debtorID int64) (list []Dispute, err error) {
	defer wrap(&err, "DebtorDisputes(%d, %d)", creditorID, debtorID)
	err = s.q.SelectContext(ctx, &list, `SELECT `+disputeColumns+disputeFrom+`WHERE d.creditor_id = $1
		AND d.debtor_id = $2 ORDER BY d.created_at DESC, d.id DESC LIMIT 100`, creditorID, debtorID)
	return list, err
}

// SetDisputeStatus moves a dispute to a status (a debtor's answer
// reopens a dispute that waited for it).
func (s *Store) SetDisputeStatus(ctx context.Context, d *Dispute, status ar.DisputeStatus, at time.Time) (err error) {
	defer wrap(&err, "SetDisputeStatus(%d, %s)", d.ID, status)
	_, err = s.q.ExecContext(ctx, `UPDATE disputes SET status = $3, updated_at = $4
		WHERE creditor_id = $1 AND id = $2`, d.CreditorID, d.ID, status, at)
	if err == nil {
		d.Status, d.UpdatedAt = status, at
	}
	return err
}

// TouchDispute records that something happened on a dispute.
func (s *Store) TouchDispute(ctx context.Context, d *Dispute, at time.Time) (err error) {
	defer wrap(&err, "TouchDispute(%d)", d.ID)
	_, err = s.q.ExecContext(ctx, `UPDATE disputes SET updated_at = $3 WHERE creditor_id = $1 AND id = $2`,
		d.CreditorID, d.ID, at)
	return err
}

// DisputeMessage is one message of a dispute's conversation.
type DisputeMessage struct {
	ID         int64     `db:"id"`
	CreditorID int64     `db:"creditor_id"`
	DisputeID  int64     `db:"dispute_id"`
	Author     string    `db:"author"` // debtor or staff
	StaffID    *int64    `db:"staff_id"`
	StaffName  string    `db:"staff_name"` // read only: name, else email
	Body       string    `db:"body"`
	CreatedAt  time.Time `db:"created_at"`
}

// AddDisputeMessage adds a message to a dispute (CreatedAt zero: now).
func (s *Store) AddDisputeMessage(ctx context.Context, m *DisputeMessage) (err error) {
	defer wrap(&err, "AddDisputeMessage(%d)", m.DisputeID)
	return s.q.QueryRowxContext(ctx, `INSERT INTO dispute_messages (creditor_id, dispute_id, author, staff_id, body, created_at)
		VALUES ($1, $2, $3, $4, $5, COALESCE($6, now())) RETURNING id, created_at`,
		m.CreditorID, m.DisputeID, m.Author, m.StaffID, m.Body, nullTime(m.CreatedAt)).Scan(&m.ID, &m.CreatedAt)
}

// DisputeMessages lists a dispute's conversation, oldest first.
func (s *Store) DisputeMessages(ctx context.Context, creditorID, disputeID int64) (list []DisputeMessage, err error) {
	defer wrap(&err, "DisputeMessages(%d, %d)", creditorID, disputeID)
	err = s.q.SelectContext(ctx, &list, `SELECT m.id, m.creditor_id, m.dispute_id, m.author, m.staff_id,
		coalesce(nullif(u.name, ''), u.email, '') AS staff_name, m.body, m.created_at
		FROM dispute_messages m LEFT JOIN staff_users u ON u.id = m.staff_id
		WHERE m.creditor_id = $1 AND m.dispute_id = $2 ORDER BY m.created_at, m.id`, creditorID, disputeID)
	return list, err
}

// DisputeAttachment is a file attached to a dispute. Content is only
// loaded by DisputeAttachment (the download).
type DisputeAttachment struct {
	ID         int64     `db:"id"`
	PublicID   string    `db:"public_id"`
	CreditorID int64     `db:"creditor_id"`
	DisputeID  int64     `db:"dispute_id"`
	MessageID  *int64    `db:"message_id"`
	MediaType  string    `db:"media_type"`
	Size       int       `db:"size_bytes"`
	SHA256     []byte    `db:"sha256"`
	Content    []byte    `db:"content"`
	FileName   string    `db:"file_name"` // display text only
	CreatedAt  time.Time `db:"created_at"`
}

// AddDisputeAttachment stores a checked file (CreatedAt zero: now).
func (s *Store) AddDisputeAttachment(ctx context.Context, a *DisputeAttachment) (err error) {
	defer wrap(&err, "AddDisputeAttachment(%d)", a.DisputeID)
	a.Size = len(a.Content)
	if a.PublicID == "" {
		a.PublicID = ar.NewPublicID("att")
	}
	return s.q.QueryRowxContext(ctx, `INSERT INTO dispute_attachments (public_id, creditor_id, dispute_id, message_id,
		media_type, size_bytes, sha256, content, file_name, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, COALESCE($10, now())) RETURNING id, created_at`,
		a.PublicID, a.CreditorID, a.DisputeID, a.MessageID, a.MediaType, a.Size, a.SHA256, a.Content, a.FileName,
		nullTime(a.CreatedAt)).
		Scan(&a.ID, &a.CreatedAt)
}

// DisputeAttachments lists a dispute's files without their content.
func (s *Store) DisputeAttachments(ctx context.Context, creditorID, disputeID int64) (list []DisputeAttachment, err error) {
	defer wrap(&err, "DisputeAttachments(%d, %d)", creditorID, disputeID)
	err = s.q.SelectContext(ctx, &list, `SELECT id, public_id, creditor_id, dispute_id, message_id, media_type,
		size_bytes, sha256, file_name, created_at FROM dispute_attachments
		WHERE creditor_id = $1 AND dispute_id = $2 ORDER BY id`, creditorID, disputeID)
	return list, err
}

// CountDisputeAttachments is how many files a dispute has.
func (s *Store) CountDisputeAttachments(ctx context.Context, creditorID, disputeID int64) (n int, err error) {
	defer wrap(&err, "CountDisputeAttachments(%d, %d)", creditorID, disputeID)
	err = s.q.GetContext(ctx, &n, `SELECT count(*) FROM dispute_attachments
		WHERE creditor_id = $1 AND dispute_id = $2`, creditorID, disputeID)
	return n, err
}

// DisputeAttachment loads one file of one of a creditor's disputes by
// its public id, with its content; a file of another dispute is not
// found.
func (s *Store) DisputeAttachment(ctx context.Context, creditorID, disputeID int64, publicID string) (a *DisputeAttachment, err error) {
	defer wrap(&err, "DisputeAttachment(%d, %d)", creditorID, disputeID)
	a = new(DisputeAttachment)
	err = s.q.GetContext(ctx, a, `SELECT a.id, a.public_id, a.creditor_id, a.dispute_id, a.message_id, a.media_type,
		a.size_bytes, a.sha256, a.content, a.file_name, a.created_at
		FROM dispute_attachments a JOIN disputes d ON d.creditor_id = a.creditor_id AND d.id = a.dispute_id
		WHERE a.creditor_id = $1 AND a.dispute_id = $2 AND a.public_id = $3`, creditorID, disputeID, publicID)
	return a, err
}

// DisputedMinor is what live disputes hold of one of a creditor's
// invoices out of dunning: the disputed amount, never more than the
// invoice still has open. Dunning leaves this much alone.
func (s *Store) DisputedMinor(ctx context.Context, creditorID, invoiceID int64) (held int64, err error) {
	defer wrap(&err, "DisputedMinor(%d, %d)", creditorID, invoiceID)
	err = s.q.GetContext(ctx, &held, `SELECT least(coalesce(sum(d.disputed_minor), 0),
			greatest(coalesce((SELECT sum(e.amount_minor) FROM ledger_entries e
				WHERE e.creditor_id = $1 AND e.invoice_id = $2), 0), 0))
		FROM disputes d WHERE d.creditor_id = $1 AND d.invoice_id = $2 AND d.kind = 'dispute'
			AND d.status IN ('open', 'info_requested')`, creditorID, invoiceID)
	return held, err
}

// HeldByDispute reports whether a live dispute holds one of a creditor's
// invoices: dunning waits for its decision (whatever amount it holds).
func (s *Store) HeldByDispute(ctx context.Context, creditorID, invoiceID int64) (held bool, err error) {
	defer wrap(&err, "HeldByDispute(%d, %d)", creditorID, invoiceID)
	err = s.q.GetContext(ctx, &held, `SELECT EXISTS (SELECT 1 FROM disputes WHERE creditor_id = $1
		AND invoice_id = $2 AND kind = 'dispute' AND status IN ('open', 'info_requested'))`, creditorID, invoiceID)
	return held, err
}

// DisputeHold is a live dispute on one of a debtor's invoices.
type DisputeHold struct {
	InvoiceID int64  `db:"invoice_id"`
	PublicID  string `db:"public_id"`
	HeldMinor int64  `db:"held_minor"`
}

// DisputeHolds are the live disputes on a debtor's invoices, by invoice
// id, with what each holds (never more than the invoice has open).
func (s *Store) DisputeHolds(ctx context.Context, creditorID, debtorID int64) (m map[int64]DisputeHold, err error) {
	defer wrap(&err, "DisputeHolds(%d, %d)", creditorID, debtorID)
	var rows []DisputeHold
	err = s.q.SelectContext(ctx, &rows, `SELECT d.invoice_id, d.public_id,
		least(d.disputed_minor, greatest(coalesce((SELECT sum(e.amount_minor) FROM ledger_entries e
			WHERE e.invoice_id = d.invoice_id), 0), 0)) AS held_minor
		FROM disputes d WHERE d.creditor_id = $1 AND d.debtor_id = $2 AND d.kind = 'dispute'
			AND d.status IN ('open', 'info_requested')`, creditorID, debtorID)
	m = make(map[int64]DisputeHold, len(rows))
	for _, r := range rows {
		m[r.InvoiceID] = r
	}
	return m, err
}

// CompleteDisputeTask closes the queue task of a dispute.
func (s *Store) CompleteDisputeTask(ctx context.Context, creditorID, disputeID int64, staffID *int64, at time.Time) (err error) {
	defer wrap(&err, "CompleteDisputeTask(%d)", disputeID)
	_, err = s.q.ExecContext(ctx, `UPDATE staff_tasks SET done_at = $4, done_by = $3
		WHERE creditor_id = $1 AND kind = 'dispute' AND subject_id = $2 AND done_at IS NULL`, creditorID, disputeID, staffID, at)
	return err
}

// DecideDispute records staff's decision on a dispute: its status, who
// decided when, and the note the debtor sees.
func (s *Store) DecideDispute(ctx context.Context, d *Dispute, status ar.DisputeStatus, staffID int64, note string, at time.Time) (err error) {
	defer wrap(&err, "DecideDispute(%d, %s)", d.ID, status)
	_, err = s.q.ExecContext(ctx, `UPDATE disputes SET status = $3, decided_by = $4, decision_note = $5,
		decided_at = $6, updated_at = $6 WHERE creditor_id = $1 AND id = $2`,
		d.CreditorID, d.ID, status, staffID, note, at)
	if err == nil {
		d.Status, d.DecidedBy, d.DecisionNote, d.DecidedAt, d.UpdatedAt = status, &staffID, note, &at, at
	}
	return err
}
