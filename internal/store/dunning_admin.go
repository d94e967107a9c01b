package store

import (
	"context"
	"database/sql"
	"errors"
)

// The back office's dunning settings: the last runs and the sample
// debtor of the message preview.

// DunningRuns lists a creditor's latest runs of the engine, newest first.
func (s *Store) DunningRuns(ctx context.Context, creditorID int64, limit int) (list []DunningRun, err error) {
	defer wrap(&err, "DunningRuns(%d)", creditorID)
	err = s.q.SelectContext(ctx, &list, `SELECT id, creditor_id, as_of, dry_run, started_at, finished_at, stats
		FROM dunning_runs WHERE creditor_id = $1 ORDER BY started_at DESC, id DESC LIMIT $2`, creditorID, limit)
	return list, err
}

// FirstDunnableDebtor is the id of the debtor whose open invoice is the
// longest overdue (0: no debtor owes anything).
func (s *Store) FirstDunnableDebtor(ctx context.Context, creditorID int64) (id int64, err error) {
	defer wrap(&err, "FirstDunnableDebtor(%d)", creditorID)
	err = s.q.GetContext(ctx, &id, `SELECT i.debtor_id FROM invoices i
		JOIN LATERAL (SELECT sum(l.amount_minor) AS open FROM ledger_entries l
			WHERE l.creditor_id = i.creditor_id AND l.invoice_id = i.id) o ON true
		WHERE i.creditor_id = $1 AND o.open > 0
		ORDER BY i.due_date, i.id LIMIT 1`, creditorID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}
