package store

import (
	"context"
	"time"
)

// Payment is money received from a debtor.
type Payment struct {
	ID          int64     `db:"id"`
	PublicID    string    `db:"public_id"`
	CreditorID  int64     `db:"creditor_id"`
	DebtorID    int64     `db:"debtor_id"`
	Method      string    `db:"method"`
	Status      string    `db:"status"`
	AmountMinor int64     `db:"amount_minor"`
	Currency    string    `db:"currency"`
	ValueDate   time.Time `db:"value_date"`
	Reference   string    `db:"reference"`
	ExternalID  *string   `db:"external_id"`
	CreatedAt   time.Time `db:"created_at"`
}

const paymentColumns = `id, public_id, creditor_id, debtor_id, method, status, amount_minor, currency,
	value_date, reference, external_id, created_at`

// CreatePayment inserts a payment.
func (s *Store) CreatePayment(ctx context.Context, p *Payment) (err error) {
	defer wrap(&err, "CreatePayment(%d, %d)", p.CreditorID, p.DebtorID)
	return s.q.GetContext(ctx, p, `INSERT INTO payments (public_id, creditor_id, debtor_id, method, status,
		amount_minor, currency, value_date, reference, external_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, COALESCE($11, now())) RETURNING `+paymentColumns,
		p.PublicID, p.CreditorID, p.DebtorID, p.Method, p.Status, p.AmountMinor, p.Currency,
		p.ValueDate, p.Reference, p.ExternalID, nullTime(p.CreatedAt))
}

// PaymentByExternalID finds a creditor's payment by the id its own
// system gave it.
func (s *Store) PaymentByExternalID(ctx context.Context, creditorID int64, externalID string) (p *Payment, err error) {
	defer wrap(&err, "PaymentByExternalID(%d, %q)", creditorID, externalID)
	p = new(Payment)
	err = s.q.GetContext(ctx, p, `SELECT `+paymentColumns+` FROM payments
		WHERE creditor_id = $1 AND external_id = $2`, creditorID, externalID)
	return p, err
}

// Allocation is the part of a payment booked against one invoice (or,
// with no invoice, left on the account as a credit).
type Allocation struct {
	InvoiceID     *int64 `db:"invoice_id"`
	InvoiceNumber string `db:"invoice_number"`
	AmountMinor   int64  `db:"amount_minor"`
}

// BookPaymentAllocation books part of a payment on the ledger.
func (s *Store) BookPaymentAllocation(ctx context.Context, p *Payment, invoiceID *int64, amountMinor int64) (err error) {
	defer wrap(&err, "BookPaymentAllocation(%d)", p.ID)
	_, err = s.q.ExecContext(ctx, `INSERT INTO ledger_entries (creditor_id, debtor_id, invoice_id, kind,
		amount_minor, currency, value_date, reference, payment_id)
		VALUES ($1, $2, $3, 'payment', $4, $5, $6, $7, $8)`,
		p.CreditorID, p.DebtorID, invoiceID, -amountMinor, p.Currency, p.ValueDate, p.Reference, p.ID)
	return err
}

// PaymentAllocations lists how a payment was booked.
func (s *Store) PaymentAllocations(ctx context.Context, creditorID, paymentID int64) (list []Allocation, err error) {
	defer wrap(&err, "PaymentAllocations(%d, %d)", creditorID, paymentID)
	err = s.q.SelectContext(ctx, &list, `SELECT l.invoice_id, COALESCE(i.number, '') AS invoice_number,
		-l.amount_minor AS amount_minor
		FROM ledger_entries l LEFT JOIN invoices i ON i.id = l.invoice_id
		WHERE l.creditor_id = $1 AND l.payment_id = $2 ORDER BY l.id`, creditorID, paymentID)
	return list, err
}

// PaidSince sums a debtor's paid payments created at or after since.
func (s *Store) PaidSince(ctx context.Context, creditorID, debtorID int64, since time.Time) (sum int64, err error) {
	defer wrap(&err, "PaidSince(%d, %d)", creditorID, debtorID)
	err = s.q.GetContext(ctx, &sum, `SELECT COALESCE(sum(amount_minor), 0) FROM payments
		WHERE creditor_id = $1 AND debtor_id = $2 AND status = 'paid' AND created_at >= $3`,
		creditorID, debtorID, since)
	return sum, err
}

// CreditNote is a reduction of what a debtor owes.
type CreditNote struct {
	ID          int64     `db:"id"`
	CreditorID  int64     `db:"creditor_id"`
	DebtorID    int64     `db:"debtor_id"`
	Number      string    `db:"number"`
	InvoiceID   *int64    `db:"invoice_id"`
	AmountMinor int64     `db:"amount_minor"`
	Currency    string    `db:"currency"`
	Reason      string    `db:"reason"`
	IssueDate   time.Time `db:"issue_date"`
}

// CreateCreditNote inserts a credit note and books it on the ledger.
func (s *Store) CreateCreditNote(ctx context.Context, cn *CreditNote) (err error) {
	defer wrap(&err, "CreateCreditNote(%d, %q)", cn.CreditorID, cn.Number)
	return s.InTx(ctx, func(tx *Store) error {
		err := tx.q.GetContext(ctx, &cn.ID, `INSERT INTO credit_notes (creditor_id, debtor_id, number,
			invoice_id, amount_minor, currency, reason, issue_date)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			cn.CreditorID, cn.DebtorID, cn.Number, cn.InvoiceID, cn.AmountMinor, cn.Currency, cn.Reason, cn.IssueDate)
		if err != nil {
			return err
		}
		_, err = tx.q.ExecContext(ctx, `INSERT INTO ledger_entries (creditor_id, debtor_id, invoice_id, kind,
			amount_minor, currency, value_date, reference, credit_note_id)
			VALUES ($1, $2, $3, 'credit_note', $4, $5, $6, $7, $8)`,
			cn.CreditorID, cn.DebtorID, cn.InvoiceID, -cn.AmountMinor, cn.Currency, cn.IssueDate, cn.Number, cn.ID)
		return err
	})
}

// CreditNoteExists reports whether a creditor used the number already.
func (s *Store) CreditNoteExists(ctx context.Context, creditorID int64, number string) (ok bool, err error) {
	defer wrap(&err, "CreditNoteExists(%d, %q)", creditorID, number)
	err = s.q.GetContext(ctx, &ok, `SELECT EXISTS (SELECT 1 FROM credit_notes WHERE creditor_id = $1 AND number = $2)`, creditorID, number)
	return ok, err
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}
