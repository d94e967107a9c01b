package store

import (
	"github.com/settle/settle/internal/ar"

	"context"
	"time"
)

// CreateDebtorSession records a new debtor session by the hash of its id.
func (s *Store) CreateDebtorSession(ctx context.Context, idHash []byte, creditorID, debtorID, linkID int64, at time.Time) (err error) {
	defer wrap(&err, "CreateDebtorSession(%d, %d)", creditorID, debtorID)
	_, err = s.q.ExecContext(ctx, `INSERT INTO debtor_sessions (id_hash, creditor_id, debtor_id, link_id, created_at)
		VALUES ($1, $2, $3, $4, $5)`, idHash, creditorID, debtorID, linkID, at)
	return err
}

// DebtorSessionCreditor reports whether a debtor session is live (known,
// not ended, its link not revoked) and returns the session's creditor, in
// one round trip (a prepared statement): every debtor page needs both.
// The creditor is returned whether or not the session is live.
func (s *Store) DebtorSessionCreditor(ctx context.Context, idHash []byte, creditorID, debtorID int64) (c *ar.Creditor, live bool, err error) {
	defer wrap(&err, "DebtorSessionCreditor(%d, %d)", creditorID, debtorID)
	var row struct {
		ar.Creditor
		Live bool `db:"live"`
	}
	err = s.hotGet(ctx, &row, `SELECT `+creditorColumns+`, EXISTS (SELECT 1 FROM debtor_sessions s
		JOIN access_links l ON l.id = s.link_id AND l.creditor_id = s.creditor_id AND l.debtor_id = s.debtor_id
		WHERE s.id_hash = $1 AND s.creditor_id = $2 AND s.debtor_id = $3
			AND s.ended_at IS NULL AND l.revoked_at IS NULL) AS live
		FROM creditors WHERE id = $2`, idHash, creditorID, debtorID)
	if err != nil {
		return nil, false, err
	}
	return fillCreditor(&row.Creditor), row.Live, nil
}

// EndDebtorSession ends a session; it reports whether one was live.
func (s *Store) EndDebtorSession(ctx context.Context, idHash []byte, at time.Time) (ended bool, err error) {
	defer wrap(&err, "EndDebtorSession")
	res, err := s.q.ExecContext(ctx, `UPDATE debtor_sessions SET ended_at = $2
		WHERE id_hash = $1 AND ended_at IS NULL`, idHash, at)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// PruneDebtorSessions deletes sessions created before cutoff (past any
// absolute timeout, so their cookies are dead anyway).
func (s *Store) PruneDebtorSessions(ctx context.Context, cutoff time.Time) (n int64, err error) {
	defer wrap(&err, "PruneDebtorSessions")
	res, err := s.q.ExecContext(ctx, `DELETE FROM debtor_sessions WHERE created_at < $1`, cutoff)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
