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

	// Payments through the provider (Mollie).
	Provider         *string    `db:"provider"`
	ProviderID       *string    `db:"provider_id"`
	CheckoutURL      string     `db:"checkout_url"`
	Requested        []byte     `db:"requested"` // JSON list of invoice numbers the debtor chose
	RefundedMinor    int64      `db:"refunded_minor"`
	ChargedBackMinor int64      `db:"charged_back_minor"`
	PaidAt           *time.Time `db:"paid_at"`
	ExpiresAt        *time.Time `db:"expires_at"`
	NextCheckAt      *time.Time `db:"next_check_at"`
	Checks           int        `db:"checks"`

	// Payments toward a payment plan: autopay's first payment (which
	// makes the mandate) and its recurring charges name the plan and the
	// instalment.
	PlanID        *int64 `db:"plan_id"`
	InstalmentSeq *int   `db:"instalment_seq"`
	SequenceType  string `db:"sequence_type"` // oneoff, first, recurring
}

const paymentColumns = `id, public_id, creditor_id, debtor_id, method, status, amount_minor, currency,
	value_date, reference, external_id, created_at, provider, provider_id, checkout_url, requested,
	refunded_minor, charged_back_minor, paid_at, expires_at, next_check_at, checks,
	plan_id, instalment_seq, sequence_type`

// CreatePayment inserts a payment.
func (s *Store) CreatePayment(ctx context.Context, p *Payment) (err error) {
	defer wrap(&err, "CreatePayment(%d, %d)", p.CreditorID, p.DebtorID)
	requested := p.Requested
	if requested == nil {
		requested = []byte("[]")
	}
	seq := p.SequenceType
	if seq == "" {
		seq = "oneoff"
	}
	return s.q.GetContext(ctx, p, `INSERT INTO payments (public_id, creditor_id, debtor_id, method, status,
		amount_minor, currency, value_date, reference, external_id, created_at, provider, requested, next_check_at,
		plan_id, instalment_seq, sequence_type)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, COALESCE($11, now()), $12, $13, $14, $15, $16, $17) RETURNING `+paymentColumns,
		p.PublicID, p.CreditorID, p.DebtorID, p.Method, p.Status, p.AmountMinor, p.Currency,
		p.ValueDate, p.Reference, p.ExternalID, nullTime(p.CreatedAt), p.Provider, requested, p.NextCheckAt,
		p.PlanID, p.InstalmentSeq, seq)
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

	// Read by CreditNoteByNumber only: the invoice credited ("" for a
	// credit on the account) and what it had open right after this
	// credit note was booked (nil without an invoice).
	InvoiceNumber  string `db:"invoice_number"`
	OpenAfterMinor *int64 `db:"open_after_minor"`
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

// CreditNoteByNumber is one of a debtor's credit notes, whichever way it
// came (the creditor's API or an accepted dispute), by its number, with
// the invoice it credits and what that invoice had open right after it
// (entries booked later do not change the document). Another debtor's
// or creditor's number is not found.
func (s *Store) CreditNoteByNumber(ctx context.Context, creditorID, debtorID int64, number string) (cn *CreditNote, err error) {
	defer wrap(&err, "CreditNoteByNumber(%d, %d, %q)", creditorID, debtorID, number)
	cn = new(CreditNote)
	err = s.q.GetContext(ctx, cn, `SELECT c.id, c.creditor_id, c.debtor_id, c.number, c.invoice_id, c.amount_minor,
		c.currency, c.reason, c.issue_date, COALESCE(i.number, '') AS invoice_number,
		CASE WHEN c.invoice_id IS NULL THEN NULL ELSE
			(SELECT COALESCE(sum(l.amount_minor), 0) FROM ledger_entries l
			WHERE l.creditor_id = c.creditor_id AND l.invoice_id = c.invoice_id
			AND l.id <= (SELECT max(b.id) FROM ledger_entries b WHERE b.creditor_id = c.creditor_id AND b.credit_note_id = c.id))
		END AS open_after_minor
		FROM credit_notes c LEFT JOIN invoices i ON i.id = c.invoice_id AND i.creditor_id = c.creditor_id
		WHERE c.creditor_id = $1 AND c.debtor_id = $2 AND c.number = $3`, creditorID, debtorID, number)
	return cn, err
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

// Payment returns one of a debtor's payments by its public id.
func (s *Store) Payment(ctx context.Context, creditorID, debtorID int64, publicID string) (p *Payment, err error) {
	defer wrap(&err, "Payment(%d, %d, %q)", creditorID, debtorID, publicID)
	p = new(Payment)
	err = s.q.GetContext(ctx, p, `SELECT `+paymentColumns+` FROM payments
		WHERE creditor_id = $1 AND debtor_id = $2 AND public_id = $3`, creditorID, debtorID, publicID)
	return p, err
}

// PaymentByID returns a payment by its row id (system work: webhooks, the
// reconciler; the debtor's pages use Payment, scoped to the debtor).
func (s *Store) PaymentByID(ctx context.Context, id int64) (p *Payment, err error) {
	defer wrap(&err, "PaymentByID(%d)", id)
	p = new(Payment)
	err = s.q.GetContext(ctx, p, `SELECT `+paymentColumns+` FROM payments WHERE id = $1`, id)
	return p, err
}

// LockPayment returns a payment by its row id and locks it until the
// transaction ends.
func (s *Store) LockPayment(ctx context.Context, id int64) (p *Payment, err error) {
	defer wrap(&err, "LockPayment(%d)", id)
	p = new(Payment)
	err = s.q.GetContext(ctx, p, `SELECT `+paymentColumns+` FROM payments WHERE id = $1 FOR UPDATE`, id)
	return p, err
}

// PaymentByProviderID finds a payment by the provider's id.
func (s *Store) PaymentByProviderID(ctx context.Context, provider, providerID string) (p *Payment, err error) {
	defer wrap(&err, "PaymentByProviderID(%q)", providerID)
	p = new(Payment)
	err = s.q.GetContext(ctx, p, `SELECT `+paymentColumns+` FROM payments
		WHERE provider = $1 AND provider_id = $2`, provider, providerID)
	return p, err
}

// ReusablePayment finds a debtor's open provider payment of the same
// amount and choice made since since, so a double click or a second "pay"
// goes to the same checkout instead of making another payment.
func (s *Store) ReusablePayment(ctx context.Context, creditorID, debtorID, amountMinor int64, requested []byte, since time.Time) (p *Payment, err error) {
	defer wrap(&err, "ReusablePayment(%d, %d)", creditorID, debtorID)
	p = new(Payment)
	err = s.q.GetContext(ctx, p, `SELECT `+paymentColumns+` FROM payments
		WHERE creditor_id = $1 AND debtor_id = $2 AND provider IS NOT NULL AND status = 'open'
			AND sequence_type = 'oneoff' AND amount_minor = $3 AND requested = $4::jsonb AND created_at >= $5
			AND (expires_at IS NULL OR expires_at > now())
		ORDER BY id DESC LIMIT 1`, creditorID, debtorID, amountMinor, requested, since)
	return p, err
}

// SetProviderPayment records the provider's id and checkout of a payment.
func (s *Store) SetProviderPayment(ctx context.Context, id int64, providerID, checkoutURL string, expiresAt, nextCheck *time.Time) (err error) {
	defer wrap(&err, "SetProviderPayment(%d)", id)
	_, err = s.q.ExecContext(ctx, `UPDATE payments SET provider_id = $2, checkout_url = $3, expires_at = $4,
		next_check_at = $5, updated_at = now() WHERE id = $1`, id, providerID, checkoutURL, expiresAt, nextCheck)
	return err
}

// UpdatePaymentState writes a payment's state as the provider reports it.
func (s *Store) UpdatePaymentState(ctx context.Context, p *Payment) (err error) {
	defer wrap(&err, "UpdatePaymentState(%d)", p.ID)
	_, err = s.q.ExecContext(ctx, `UPDATE payments SET status = $2, paid_at = $3, refunded_minor = $4,
		charged_back_minor = $5, next_check_at = $6, checks = $7, method = $8, updated_at = now() WHERE id = $1`,
		p.ID, p.Status, p.PaidAt, p.RefundedMinor, p.ChargedBackMinor, p.NextCheckAt, p.Checks, p.Method)
	return err
}

// PaymentsDue returns provider payments whose next check has come.
func (s *Store) PaymentsDue(ctx context.Context, now time.Time, limit int) (list []Payment, err error) {
	defer wrap(&err, "PaymentsDue")
	err = s.q.SelectContext(ctx, &list, `SELECT `+paymentColumns+` FROM payments
		WHERE next_check_at <= $1 ORDER BY next_check_at LIMIT $2`, now, limit)
	return list, err
}

// BookReversal puts money taken back (a refund, a chargeback) back on
// the invoices the payment paid, newest allocation first, and the rest on
// the account.
func (s *Store) BookReversal(ctx context.Context, p *Payment, kind string, amountMinor int64) (err error) {
	defer wrap(&err, "BookReversal(%d, %s)", p.ID, kind)
	// What the payment still covers per invoice (allocations less earlier
	// reversals), most recent first.
	var allocs []struct {
		InvoiceID   *int64 `db:"invoice_id"`
		AmountMinor int64  `db:"amount_minor"`
	}
	err = s.q.SelectContext(ctx, &allocs, `SELECT invoice_id, -sum(amount_minor) AS amount_minor
		FROM ledger_entries WHERE creditor_id = $1 AND payment_id = $2 AND invoice_id IS NOT NULL
		GROUP BY invoice_id HAVING -sum(amount_minor) > 0 ORDER BY max(id) DESC`, p.CreditorID, p.ID)
	if err != nil {
		return err
	}
	left := amountMinor
	for _, a := range allocs {
		if left == 0 {
			break
		}
		part := min(left, a.AmountMinor)
		if _, err := s.q.ExecContext(ctx, `INSERT INTO ledger_entries (creditor_id, debtor_id, invoice_id, kind,
			amount_minor, currency, value_date, reference, payment_id)
			VALUES ($1, $2, $3, $4, $5, $6, CURRENT_DATE, $7, $8)`,
			p.CreditorID, p.DebtorID, a.InvoiceID, kind, part, p.Currency, p.PublicID, p.ID); err != nil {
			return err
		}
		left -= part
	}
	if left > 0 {
		_, err = s.q.ExecContext(ctx, `INSERT INTO ledger_entries (creditor_id, debtor_id, kind,
			amount_minor, currency, value_date, reference, payment_id)
			VALUES ($1, $2, $3, $4, $5, CURRENT_DATE, $6, $7)`,
			p.CreditorID, p.DebtorID, kind, left, p.Currency, p.PublicID, p.ID)
	}
	return err
}

// CreditorMollieKey returns a creditor's sealed Mollie key (nil: none).
func (s *Store) CreditorMollieKey(ctx context.Context, creditorID int64) (sealed []byte, err error) {
	defer wrap(&err, "CreditorMollieKey(%d)", creditorID)
	err = s.q.GetContext(ctx, &sealed, `SELECT mollie_key_sealed FROM creditors WHERE id = $1`, creditorID)
	return sealed, err
}

// SetCreditorMollieKey stores a creditor's sealed Mollie key.
func (s *Store) SetCreditorMollieKey(ctx context.Context, creditorID int64, sealed []byte) (err error) {
	defer wrap(&err, "SetCreditorMollieKey(%d)", creditorID)
	_, err = s.q.ExecContext(ctx, `UPDATE creditors SET mollie_key_sealed = $2 WHERE id = $1`, creditorID, sealed)
	return err
}

// DelayPaymentCheck moves a payment's next check (after a failed one).
func (s *Store) DelayPaymentCheck(ctx context.Context, id int64, at time.Time) (err error) {
	defer wrap(&err, "DelayPaymentCheck(%d)", id)
	_, err = s.q.ExecContext(ctx, `UPDATE payments SET next_check_at = $2, checks = checks + 1 WHERE id = $1`, id, at)
	return err
}

// AddMollieWebhook stores a webhook's payment id; a trigger enqueues the
// job that fetches the payment.
func (s *Store) AddMollieWebhook(ctx context.Context, providerID string) (err error) {
	defer wrap(&err, "AddMollieWebhook")
	_, err = s.q.ExecContext(ctx, `INSERT INTO mollie_webhooks (provider_id) VALUES ($1)`, providerID)
	return err
}

// AddOverpaymentTask records money a payment left on the account as work
// for AR staff (refund it, or apply it when the next invoice comes).
func (s *Store) AddOverpaymentTask(ctx context.Context, p *Payment, amountMinor int64) (err error) {
	defer wrap(&err, "AddOverpaymentTask(%d)", p.ID)
	_, err = s.q.ExecContext(ctx, `INSERT INTO staff_tasks (creditor_id, debtor_id, kind, payment_id, amount_minor, currency)
		VALUES ($1, $2, 'overpayment', $3, $4, $5)`, p.CreditorID, p.DebtorID, p.ID, amountMinor, p.Currency)
	return err
}

// AddChargebackTask records money the debtor's bank took back from a
// payment as work for AR staff (contact the debtor, check the reason).
func (s *Store) AddChargebackTask(ctx context.Context, p *Payment, amountMinor int64) (err error) {
	defer wrap(&err, "AddChargebackTask(%d)", p.ID)
	return s.AddTask(ctx, &Task{CreditorID: p.CreditorID, DebtorID: p.DebtorID, Kind: "chargeback",
		PaymentID: &p.ID, AmountMinor: amountMinor, Currency: p.Currency})
}
