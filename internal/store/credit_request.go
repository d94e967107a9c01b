package store

// Issue 9: credit requests (a kind of dispute case) and withdrawing a
// case. The cases themselves are in dispute.go.

import (
	"context"
	"time"

	"github.com/lib/pq"

	"github.com/settle/settle/internal/ar"
)

// WithdrawDispute records that the debtor withdrew one of their live
// cases (locked by the caller): status withdrawn, when. Nothing is
// decided, so decided_by stays empty.
func (s *Store) WithdrawDispute(ctx context.Context, d *Dispute, at time.Time) (err error) {
	defer wrap(&err, "WithdrawDispute(%d)", d.ID)
	_, err = s.q.ExecContext(ctx, `UPDATE disputes SET status = 'withdrawn', decided_at = $3, updated_at = $3
		WHERE creditor_id = $1 AND id = $2 AND status IN ('open', 'info_requested')`, d.CreditorID, d.ID, at)
	if err == nil {
		d.Status, d.DecidedAt, d.UpdatedAt = ar.DisputeWithdrawn, &at, at
	}
	return err
}

// CreateSplitCreditNote inserts a credit note about an invoice (InvoiceID
// set) and books onInvoice of it against the invoice and the rest on the
// account (a ledger entry without invoice: a credit balance), so that the
// invoice never goes below zero open.
func (s *Store) CreateSplitCreditNote(ctx context.Context, cn *CreditNote, onInvoice int64) (err error) {
	defer wrap(&err, "CreateSplitCreditNote(%d, %q)", cn.CreditorID, cn.Number)
	return s.InTx(ctx, func(tx *Store) error {
		err := tx.q.GetContext(ctx, &cn.ID, `INSERT INTO credit_notes (creditor_id, debtor_id, number,
			invoice_id, amount_minor, currency, reason, issue_date)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			cn.CreditorID, cn.DebtorID, cn.Number, cn.InvoiceID, cn.AmountMinor, cn.Currency, cn.Reason, cn.IssueDate)
		if err != nil {
			return err
		}
		book := func(invoiceID *int64, minor int64) error {
			if minor <= 0 {
				return nil
			}
			_, err := tx.q.ExecContext(ctx, `INSERT INTO ledger_entries (creditor_id, debtor_id, invoice_id, kind,
				amount_minor, currency, value_date, reference, credit_note_id)
				VALUES ($1, $2, $3, 'credit_note', $4, $5, $6, $7, $8)`,
				cn.CreditorID, cn.DebtorID, invoiceID, -minor, cn.Currency, cn.IssueDate, cn.Number, cn.ID)
			return err
		}
		onInvoice = min(max(onInvoice, 0), cn.AmountMinor)
		if err := book(cn.InvoiceID, onInvoice); err != nil {
			return err
		}
		return book(nil, cn.AmountMinor-onInvoice)
	})
}

// accountCreditSQL selects a debtor's credit balance ($1 creditor, $2
// debtor, $3 currency); AccountOverview runs it as a subquery.
const accountCreditSQL = `SELECT greatest(-coalesce(sum(e.amount_minor), 0), 0) FROM ledger_entries e
	WHERE e.creditor_id = $1 AND e.debtor_id = $2 AND e.currency = $3 AND e.invoice_id IS NULL`

// AccountCredit is a debtor's credit balance in a currency: what the
// ledger holds for them outside any invoice (credit notes and payments
// not allocated to an invoice), 0 when that is not in their favour.
func (s *Store) AccountCredit(ctx context.Context, creditorID, debtorID int64, currency string) (credit int64, err error) {
	defer wrap(&err, "AccountCredit(%d, %d)", creditorID, debtorID)
	err = s.q.GetContext(ctx, &credit, accountCreditSQL, creditorID, debtorID, currency)
	return credit, err
}

// CreditNoteOnAccount is the part of one of a creditor's credit notes
// that was booked on the account (no invoice): a credit balance.
func (s *Store) CreditNoteOnAccount(ctx context.Context, creditorID, creditNoteID int64) (minor int64, err error) {
	defer wrap(&err, "CreditNoteOnAccount(%d, %d)", creditorID, creditNoteID)
	err = s.q.GetContext(ctx, &minor, `SELECT -coalesce(sum(amount_minor), 0) FROM ledger_entries
		WHERE creditor_id = $1 AND credit_note_id = $2 AND invoice_id IS NULL`, creditorID, creditNoteID)
	return minor, err
}

// CaseKinds are the kinds (ar.Case*) of some of a creditor's dispute
// cases, by id (for the queue).
func (s *Store) CaseKinds(ctx context.Context, creditorID int64, ids []int64) (m map[int64]string, err error) {
	defer wrap(&err, "CaseKinds(%d)", creditorID)
	var rows []struct {
		ID   int64  `db:"id"`
		Kind string `db:"kind"`
	}
	m = map[int64]string{}
	if len(ids) == 0 {
		return m, nil
	}
	err = s.q.SelectContext(ctx, &rows, `SELECT id, kind FROM disputes WHERE creditor_id = $1 AND id = ANY($2)`,
		creditorID, pq.Array(ids))
	for _, r := range rows {
		m[r.ID] = r.Kind
	}
	return m, err
}
