package store

import (
	"context"
	"time"
)

// Unallocated is a payment of a debtor with money still booked on the
// account (ledger entries of the payment with no invoice), not yet used
// for an invoice.
type Unallocated struct {
	Payment
	RemainderMinor int64 `db:"remainder_minor"`
}

// UnallocatedPayments lists a debtor's payments in currency that have an
// account-level remainder (what was booked on the account less what was
// refunded or moved to an invoice since), newest value date first.
func (s *Store) UnallocatedPayments(ctx context.Context, creditorID, debtorID int64, currency string) (list []Unallocated, err error) {
	defer wrap(&err, "UnallocatedPayments(%d, %d)", creditorID, debtorID)
	err = s.q.SelectContext(ctx, &list, `SELECT `+paymentColumns+`, r.remainder_minor FROM payments
		JOIN (SELECT payment_id, -sum(amount_minor) AS remainder_minor FROM ledger_entries
			WHERE creditor_id = $1 AND debtor_id = $2 AND payment_id IS NOT NULL AND invoice_id IS NULL
			GROUP BY payment_id HAVING -sum(amount_minor) > 0) r ON r.payment_id = payments.id
		WHERE creditor_id = $1 AND debtor_id = $2 AND currency = $3
		ORDER BY value_date DESC, id DESC LIMIT 100`, creditorID, debtorID, currency)
	return list, err
}

// PaymentRemainder is what of a payment is still on the account (the
// caller holds the debtor's lock, so it stays so until the transaction
// ends).
func (s *Store) PaymentRemainder(ctx context.Context, creditorID int64, p *Payment) (sum int64, err error) {
	defer wrap(&err, "PaymentRemainder(%d)", p.ID)
	err = s.q.GetContext(ctx, &sum, `SELECT COALESCE(-sum(amount_minor), 0) FROM ledger_entries
		WHERE creditor_id = $1 AND debtor_id = $2 AND payment_id = $3 AND invoice_id IS NULL`,
		creditorID, p.DebtorID, p.ID)
	return sum, err
}

// MoveToInvoice moves amountMinor of a payment's account remainder to an
// invoice: a reversal of the account allocation and a payment allocation
// on the invoice, both naming the payment, with value date on (the day
// it was matched), so balances stay sums and the statement explains it.
func (s *Store) MoveToInvoice(ctx context.Context, p *Payment, invoiceID, amountMinor int64, on time.Time, reference string) (err error) {
	defer wrap(&err, "MoveToInvoice(%d, %d)", p.ID, invoiceID)
	_, err = s.q.ExecContext(ctx, `INSERT INTO ledger_entries (creditor_id, debtor_id, invoice_id, kind,
		amount_minor, currency, value_date, reference, payment_id)
		VALUES ($1, $2, NULL, 'reversal', $4::bigint, $5, $6::date, $7, $8),
			($1, $2, $3, 'payment', -($4::bigint), $5, $6::date, $7, $8)`,
		p.CreditorID, p.DebtorID, invoiceID, amountMinor, p.Currency, on, reference, p.ID)
	return err
}

// SettleOverpaymentTask brings a payment's open overpayment tasks in
// line with what is left on the account: done (by staffID) when nothing
// is left, else the amount reduced to left.
func (s *Store) SettleOverpaymentTask(ctx context.Context, creditorID, paymentID, left, staffID int64, at time.Time) (err error) {
	defer wrap(&err, "SettleOverpaymentTask(%d)", paymentID)
	if left <= 0 {
		_, err = s.q.ExecContext(ctx, `UPDATE staff_tasks SET done_at = $3, done_by = $4
			WHERE creditor_id = $1 AND kind = 'overpayment' AND payment_id = $2 AND done_at IS NULL`,
			creditorID, paymentID, at, staffID)
		return err
	}
	_, err = s.q.ExecContext(ctx, `UPDATE staff_tasks SET amount_minor = LEAST(amount_minor, $3)
		WHERE creditor_id = $1 AND kind = 'overpayment' AND payment_id = $2 AND done_at IS NULL`,
		creditorID, paymentID, left)
	return err
}
