package store

import "context"

// LockImports makes the transaction the only file import of a creditor
// until it ends: a second import of the same file waits, then finds
// everything in place, instead of both creating the same invoices.
func (s *Store) LockImports(ctx context.Context, creditorID int64) (err error) {
	defer wrap(&err, "LockImports(%d)", creditorID)
	_, err = s.q.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('settle.import', $1))`, creditorID)
	return err
}
