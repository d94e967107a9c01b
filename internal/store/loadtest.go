package store

import "context"

// LoadScale is the size of a creditor's data, for settle loadtest's
// report, its pgbench script (the debtor id range) and its plan check (a
// debtor who has an invoice).
type LoadScale struct {
	Debtors     int64 `db:"debtors"`
	Invoices    int64 `db:"invoices"`
	MinDebtorID int64 `db:"min_debtor_id"`
	MaxDebtorID int64 `db:"max_debtor_id"`
	WithInvoice int64 `db:"with_invoice"` // 0: no debtor has an invoice
}

// CreditorLoadScale measures a creditor's data in one statement.
func (s *Store) CreditorLoadScale(ctx context.Context, creditorID int64) (sc LoadScale, err error) {
	defer wrap(&err, "CreditorLoadScale(%d)", creditorID)
	err = s.q.GetContext(ctx, &sc, `SELECT
		(SELECT count(*) FROM debtors WHERE creditor_id = $1) AS debtors,
		(SELECT count(*) FROM invoices WHERE creditor_id = $1) AS invoices,
		(SELECT coalesce(min(id), 0) FROM debtors WHERE creditor_id = $1) AS min_debtor_id,
		(SELECT coalesce(max(id), 0) FROM debtors WHERE creditor_id = $1) AS max_debtor_id,
		coalesce((SELECT debtor_id FROM invoices WHERE creditor_id = $1 LIMIT 1), 0) AS with_invoice`, creditorID)
	return sc, err
}

// SampledDebtor is a debtor settle loadtest signs in: the postcode for
// the step-up, the latest invoice for the invoice page, the balance for
// the payment.
type SampledDebtor struct {
	ID       int64  `db:"id"`
	Postcode string `db:"postcode"`
	Invoice  string `db:"invoice"`
	Open     int64  `db:"open_minor"`
}

// SampleDebtors picks up to n random debtors of a creditor who have a
// postcode and an invoice, evenly over the creditor's id range (no ORDER
// BY random() over a million rows).
func (s *Store) SampleDebtors(ctx context.Context, creditorID int64, n int) (list []SampledDebtor, err error) {
	defer wrap(&err, "SampleDebtors(%d, %d)", creditorID, n)
	err = s.q.SelectContext(ctx, &list, `
		WITH bounds AS (SELECT min(id) lo, max(id) hi FROM debtors WHERE creditor_id = $1),
		     want AS (SELECT DISTINCT lo + floor((hi - lo + 1) * x)::bigint AS id
		                FROM bounds, (SELECT random() x FROM generate_series(1, $2 * 2)) g)
		SELECT d.id, d.postcode, i.number AS invoice,
		       (SELECT coalesce(sum(amount_minor), 0) FROM ledger_entries l
		         WHERE l.creditor_id = $1 AND l.debtor_id = d.id) AS open_minor
		  FROM want w
		  JOIN debtors d ON d.creditor_id = $1 AND d.id = w.id
		  JOIN LATERAL (SELECT number FROM invoices
		                 WHERE creditor_id = $1 AND debtor_id = d.id
		                 ORDER BY due_date DESC LIMIT 1) i ON true
		 WHERE d.postcode <> ''
		 LIMIT $2`, creditorID, n)
	return list, err
}
