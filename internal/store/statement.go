package store

import (
	"context"
	"time"
)

// LedgerLine is one ledger entry as a statement shows it.
type LedgerLine struct {
	ID            int64     `db:"id"`
	Kind          string    `db:"kind"`
	ValueDate     time.Time `db:"value_date"`
	AmountMinor   int64     `db:"amount_minor"`
	Currency      string    `db:"currency"`
	Reference     string    `db:"reference"`
	InvoiceNumber string    `db:"invoice_number"`
	// Document is the entry's own reference: the invoice number for an
	// invoice, the credit note's number, a payment's reference (else its
	// id), for anything else the entry's reference.
	Document string `db:"document"`
}

// Statement returns a debtor's balance before from and the ledger
// entries with value dates in [from, to], oldest first.
func (s *Store) Statement(ctx context.Context, creditorID, debtorID int64, from, to time.Time) (opening int64, lines []LedgerLine, err error) {
	defer wrap(&err, "Statement(%d, %d)", creditorID, debtorID)
	if err = s.hotGet(ctx, &opening, `SELECT COALESCE(sum(amount_minor), 0) FROM ledger_entries
		WHERE creditor_id = $1 AND debtor_id = $2 AND value_date < $3`, creditorID, debtorID, from); err != nil {
		return 0, nil, err
	}
	err = s.hotSelect(ctx, &lines, `SELECT l.id, l.kind, l.value_date, l.amount_minor, l.currency, l.reference,
		COALESCE(i.number, '') AS invoice_number,
		CASE
			WHEN l.kind = 'invoice' AND i.number IS NOT NULL THEN i.number
			WHEN cn.number IS NOT NULL THEN cn.number
			WHEN p.id IS NOT NULL THEN COALESCE(NULLIF(p.reference, ''), NULLIF(l.reference, ''), p.public_id)
			ELSE l.reference
		END AS document
		FROM ledger_entries l
		LEFT JOIN invoices i ON i.id = l.invoice_id AND i.creditor_id = l.creditor_id
		LEFT JOIN credit_notes cn ON cn.id = l.credit_note_id AND cn.creditor_id = l.creditor_id
		LEFT JOIN payments p ON p.id = l.payment_id AND p.creditor_id = l.creditor_id
		WHERE l.creditor_id = $1 AND l.debtor_id = $2 AND l.value_date BETWEEN $3 AND $4
		ORDER BY l.value_date, l.id`, creditorID, debtorID, from, to)
	return opening, lines, err
}
