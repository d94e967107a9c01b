package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/settle/settle/internal/ar"
)

// invoiceSelect reads invoices with their open and paid amounts derived
// from the ledger. Callers append a WHERE clause that names the creditor
// and the debtor.
const invoiceSelect = `SELECT i.id, i.creditor_id, i.debtor_id, i.number, i.issue_date,
	i.due_date, i.currency, i.description, i.net_minor, i.tax_minor, i.total_minor,
	COALESCE(l.open_minor, 0) AS open_minor, COALESCE(l.paid_minor, 0) AS paid_minor
FROM invoices i
LEFT JOIN LATERAL (
	SELECT sum(e.amount_minor) AS open_minor,
		-COALESCE(sum(e.amount_minor) FILTER (WHERE e.kind IN ('payment', 'refund', 'chargeback')), 0) AS paid_minor
	FROM ledger_entries e WHERE e.invoice_id = i.id
) l ON true `

// Invoices returns a debtor's invoices: those with something open first
// (oldest due date first), then the settled ones (newest first).
func (s *Store) Invoices(ctx context.Context, creditorID, debtorID int64) (list []ar.Invoice, err error) {
	defer wrap(&err, "Invoices(%d, %d)", creditorID, debtorID)
	err = s.hotSelect(ctx, &list, invoiceSelect+`
		WHERE i.creditor_id = $1 AND i.debtor_id = $2
		ORDER BY COALESCE(l.open_minor, 0) > 0 DESC,
			CASE WHEN COALESCE(l.open_minor, 0) > 0 THEN i.due_date END ASC,
			i.due_date DESC, i.id DESC`, creditorID, debtorID)
	return list, err
}

// Invoice returns one of a debtor's invoices by number, with its lines.
func (s *Store) Invoice(ctx context.Context, creditorID, debtorID int64, number string) (inv *ar.Invoice, err error) {
	defer wrap(&err, "Invoice(%d, %d, %q)", creditorID, debtorID, number)
	inv = new(ar.Invoice)
	err = s.hotGet(ctx, inv, invoiceSelect+`
		WHERE i.creditor_id = $1 AND i.debtor_id = $2 AND i.number = $3`, creditorID, debtorID, number)
	if err != nil {
		return nil, err
	}
	err = s.hotSelect(ctx, &inv.Lines, `SELECT position, description, quantity_milli,
		unit_price_minor, tax_rate_bp, net_minor, tax_minor, total_minor
		FROM invoice_lines WHERE invoice_id = $1 ORDER BY position`, inv.ID)
	return inv, err
}

// CreateInvoice inserts an invoice with its lines, books it on the ledger
// and records it on the timeline, in one transaction. Totals are computed
// from the lines when they are given.
func (s *Store) CreateInvoice(ctx context.Context, inv *ar.Invoice) (err error) {
	defer wrap(&err, "CreateInvoice(%d, %q)", inv.CreditorID, inv.Number)
	if len(inv.Lines) > 0 {
		inv.NetMinor, inv.TaxMinor, inv.TotalMinor = 0, 0, 0
		for _, l := range inv.Lines {
			inv.NetMinor += l.NetMinor
			inv.TaxMinor += l.TaxMinor
			inv.TotalMinor += l.TotalMinor
		}
	}
	return s.InTx(ctx, func(tx *Store) error {
		err := tx.q.GetContext(ctx, &inv.ID, `INSERT INTO invoices (creditor_id, debtor_id, number,
			issue_date, due_date, currency, description, net_minor, tax_minor, total_minor)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
			inv.CreditorID, inv.DebtorID, inv.Number, inv.IssueDate, inv.DueDate, inv.Currency,
			inv.Description, inv.NetMinor, inv.TaxMinor, inv.TotalMinor)
		if err != nil {
			return err
		}
		if err := tx.insertLines(ctx, inv); err != nil {
			return err
		}
		if err := tx.addLedgerEntry(ctx, inv.CreditorID, inv.DebtorID, &inv.ID, "invoice",
			inv.TotalMinor, inv.Currency, inv.IssueDate, inv.Number); err != nil {
			return err
		}
		inv.OpenMinor = inv.TotalMinor
		return tx.AddInteraction(ctx, &ar.Interaction{
			CreditorID: inv.CreditorID, DebtorID: inv.DebtorID, InvoiceID: &inv.ID,
			Kind: ar.KindInvoiceIssued, Actor: "creditor", Visibility: ar.VisibleToCustomer,
			Data:       map[string]any{"number": inv.Number, "amount_minor": inv.TotalMinor, "currency": inv.Currency},
			OccurredAt: inv.IssueDate,
		})
	})
}

// BookPayment books a payment against one of a debtor's invoices and
// records it on the timeline.
func (s *Store) BookPayment(ctx context.Context, creditorID, debtorID, invoiceID int64, amountMinor int64, currency string, valueDate time.Time, reference string) (err error) {
	defer wrap(&err, "BookPayment(%d, %d, %d)", creditorID, debtorID, invoiceID)
	if amountMinor <= 0 {
		return ar.FieldError("amount", "error.payment.amount_positive", nil)
	}
	return s.InTx(ctx, func(tx *Store) error {
		if err := tx.addLedgerEntry(ctx, creditorID, debtorID, &invoiceID, "payment", -amountMinor,
			currency, valueDate, reference); err != nil {
			return err
		}
		return tx.AddInteraction(ctx, &ar.Interaction{
			CreditorID: creditorID, DebtorID: debtorID, InvoiceID: &invoiceID,
			Kind: ar.KindPaymentBooked, Actor: "creditor", Visibility: ar.VisibleToCustomer,
			Data:       map[string]any{"amount_minor": amountMinor, "currency": currency, "reference": reference},
			OccurredAt: valueDate,
		})
	})
}

func (s *Store) addLedgerEntry(ctx context.Context, creditorID, debtorID int64, invoiceID *int64, kind string, amountMinor int64, currency string, valueDate time.Time, reference string) error {
	_, err := s.q.ExecContext(ctx, `INSERT INTO ledger_entries (creditor_id, debtor_id, invoice_id,
		kind, amount_minor, currency, value_date, reference)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		creditorID, debtorID, invoiceID, kind, amountMinor, currency, valueDate, reference)
	return err
}

// InvoiceByNumber returns a creditor's invoice by number with its ledger
// sums, locking it for update when the store is in a transaction.
func (s *Store) InvoiceByNumber(ctx context.Context, creditorID int64, number string) (inv *ar.Invoice, err error) {
	defer wrap(&err, "InvoiceByNumber(%d, %q)", creditorID, number)
	inv = new(ar.Invoice)
	lock := ""
	if _, ok := s.q.(*sqlx.Tx); ok {
		lock = " FOR UPDATE OF i"
	}
	err = s.q.GetContext(ctx, inv, invoiceSelect+` WHERE i.creditor_id = $1 AND i.number = $2`+lock, creditorID, number)
	return inv, err
}

// InvoiceHasSettlements reports whether anything but the invoice itself
// was booked against it (payments, credit notes, fees…).
func (s *Store) InvoiceHasSettlements(ctx context.Context, invoiceID int64) (has bool, err error) {
	defer wrap(&err, "InvoiceHasSettlements(%d)", invoiceID)
	err = s.q.GetContext(ctx, &has, `SELECT EXISTS (SELECT 1 FROM ledger_entries
		WHERE invoice_id = $1 AND kind <> 'invoice')`, invoiceID)
	return has, err
}

// ReplaceInvoice overwrites an unsettled invoice's data and lines and
// books the change of its total on the ledger (append-only: the
// difference is a new 'invoice' entry).
func (s *Store) ReplaceInvoice(ctx context.Context, inv *ar.Invoice, oldTotal int64) (err error) {
	defer wrap(&err, "ReplaceInvoice(%d, %q)", inv.CreditorID, inv.Number)
	return s.InTx(ctx, func(tx *Store) error {
		_, err := tx.q.ExecContext(ctx, `UPDATE invoices SET issue_date = $3, due_date = $4, currency = $5,
			description = $6, net_minor = $7, tax_minor = $8, total_minor = $9, updated_at = now()
			WHERE creditor_id = $1 AND id = $2`, inv.CreditorID, inv.ID, inv.IssueDate, inv.DueDate,
			inv.Currency, inv.Description, inv.NetMinor, inv.TaxMinor, inv.TotalMinor)
		if err != nil {
			return err
		}
		if _, err := tx.q.ExecContext(ctx, `DELETE FROM invoice_lines WHERE invoice_id = $1`, inv.ID); err != nil {
			return err
		}
		if err := tx.insertLines(ctx, inv); err != nil {
			return err
		}
		if d := inv.TotalMinor - oldTotal; d != 0 {
			return tx.addLedgerEntry(ctx, inv.CreditorID, inv.DebtorID, &inv.ID, "invoice", d, inv.Currency, inv.IssueDate, inv.Number+" (corrected)")
		}
		return nil
	})
}

func (s *Store) insertLines(ctx context.Context, inv *ar.Invoice) error {
	if len(inv.Lines) == 0 {
		return nil
	}
	// One statement for all lines: a batch load inserts thousands.
	var b strings.Builder
	b.WriteString(`INSERT INTO invoice_lines (invoice_id, position, description, quantity_milli,
		unit_price_minor, tax_rate_bp, net_minor, tax_minor, total_minor) VALUES `)
	args := make([]any, 0, 9*len(inv.Lines))
	for i, l := range inv.Lines {
		if i > 0 {
			b.WriteByte(',')
		}
		n := len(args)
		fmt.Fprintf(&b, "($%d,$%d,$%d,$%d,$%d,$%d,$%d,$%d,$%d)", n+1, n+2, n+3, n+4, n+5, n+6, n+7, n+8, n+9)
		args = append(args, inv.ID, l.Position, l.Description, l.QuantityMilli, l.UnitPriceMinor,
			l.TaxRateBP, l.NetMinor, l.TaxMinor, l.TotalMinor)
	}
	_, err := s.q.ExecContext(ctx, b.String(), args...)
	return err
}

// DebtorIDsByNumber maps the customer numbers that exist at a creditor to
// their debtor ids, in one query (batch loads).
func (s *Store) DebtorIDsByNumber(ctx context.Context, creditorID int64, numbers []string) (ids map[string]int64, err error) {
	defer wrap(&err, "DebtorIDsByNumber(%d)", creditorID)
	var rows []struct {
		ID     int64  `db:"id"`
		Number string `db:"customer_number"`
	}
	err = s.q.SelectContext(ctx, &rows, `SELECT id, customer_number FROM debtors
		WHERE creditor_id = $1 AND customer_number = ANY($2)`, creditorID, pq.Array(numbers))
	ids = make(map[string]int64, len(rows))
	for _, r := range rows {
		ids[r.Number] = r.ID
	}
	return ids, err
}

// ExistingInvoiceNumbers returns which of the numbers a creditor has
// used already (batch loads).
func (s *Store) ExistingInvoiceNumbers(ctx context.Context, creditorID int64, numbers []string) (set map[string]bool, err error) {
	defer wrap(&err, "ExistingInvoiceNumbers(%d)", creditorID)
	var found []string
	err = s.q.SelectContext(ctx, &found, `SELECT number FROM invoices WHERE creditor_id = $1 AND number = ANY($2)`,
		creditorID, pq.Array(numbers))
	set = make(map[string]bool, len(found))
	for _, n := range found {
		set[n] = true
	}
	return set, err
}

// PutInvoiceDocument stores (or replaces) the original PDF of one of a
// creditor's invoices.
func (s *Store) PutInvoiceDocument(ctx context.Context, creditorID, invoiceID int64, pdf, sha []byte) (err error) {
	defer wrap(&err, "PutInvoiceDocument(%d, %d)", creditorID, invoiceID)
	_, err = s.q.ExecContext(ctx, `INSERT INTO invoice_documents (invoice_id, creditor_id, content, content_type, sha256)
		SELECT id, creditor_id, $3, 'application/pdf', $4 FROM invoices WHERE creditor_id = $1 AND id = $2
		ON CONFLICT (invoice_id) DO UPDATE SET content = EXCLUDED.content, sha256 = EXCLUDED.sha256, uploaded_at = now()`,
		creditorID, invoiceID, pdf, sha)
	return err
}

// InvoiceDocument returns the uploaded original PDF of one of a debtor's
// invoices (NotFound when there is none).
func (s *Store) InvoiceDocument(ctx context.Context, creditorID, debtorID, invoiceID int64) (pdf []byte, err error) {
	defer wrap(&err, "InvoiceDocument(%d, %d)", creditorID, invoiceID)
	err = s.q.GetContext(ctx, &pdf, `SELECT d.content FROM invoice_documents d
		JOIN invoices i ON i.id = d.invoice_id
		WHERE d.creditor_id = $1 AND i.debtor_id = $2 AND d.invoice_id = $3`, creditorID, debtorID, invoiceID)
	return pdf, err
}
