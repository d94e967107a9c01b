package store

import "context"

// LockDisputeReasons serialises changes of a creditor's dispute reasons
// (SaveDisputeReasons replaces the list) until the transaction ends.
func (s *Store) LockDisputeReasons(ctx context.Context, creditorID int64) (err error) {
	defer wrap(&err, "LockDisputeReasons(%d)", creditorID)
	var id int64
	return s.q.GetContext(ctx, &id, `SELECT id FROM creditors WHERE id = $1 FOR NO KEY UPDATE`, creditorID)
}
