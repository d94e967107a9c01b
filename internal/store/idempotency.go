package store

import (
	"bytes"
	"context"
	"time"
)

// IdempotencyRecord is a remembered API request and its response.
type IdempotencyRecord struct {
	Method      string     `db:"method"`
	Path        string     `db:"path"`
	RequestHash []byte     `db:"request_hash"`
	Status      *int       `db:"status"`
	Response    []byte     `db:"response"`
	CreatedAt   time.Time  `db:"created_at"`
	CompletedAt *time.Time `db:"completed_at"`
}

// Same reports whether the record is for the same request.
func (r *IdempotencyRecord) Same(method, path string, hash []byte) bool {
	return r.Method == method && r.Path == path && bytes.Equal(r.RequestHash, hash)
}

// BeginIdempotent claims an Idempotency-Key for a request. It returns nil
// when the key is new (the caller runs the request and completes the
// key), else the existing record.
func (s *Store) BeginIdempotent(ctx context.Context, creditorID int64, key, method, path string, hash []byte) (rec *IdempotencyRecord, err error) {
	defer wrap(&err, "BeginIdempotent(%d)", creditorID)
	res, err := s.q.ExecContext(ctx, `INSERT INTO idempotency_keys (creditor_id, key, method, path, request_hash)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (creditor_id, key) DO NOTHING`, creditorID, key, method, path, hash)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil, nil
	}
	rec = new(IdempotencyRecord)
	err = s.q.GetContext(ctx, rec, `SELECT method, path, request_hash, status, response, created_at, completed_at
		FROM idempotency_keys WHERE creditor_id = $1 AND key = $2`, creditorID, key)
	return rec, err
}

// CompleteIdempotent stores the response of a claimed key.
func (s *Store) CompleteIdempotent(ctx context.Context, creditorID int64, key string, status int, response []byte) (err error) {
	defer wrap(&err, "CompleteIdempotent(%d)", creditorID)
	_, err = s.q.ExecContext(ctx, `UPDATE idempotency_keys SET status = $3, response = $4, completed_at = now()
		WHERE creditor_id = $1 AND key = $2`, creditorID, key, status, response)
	return err
}

// ReleaseIdempotent forgets a claimed key (the request failed on our
// side, so a retry must run it again).
func (s *Store) ReleaseIdempotent(ctx context.Context, creditorID int64, key string) (err error) {
	defer wrap(&err, "ReleaseIdempotent(%d)", creditorID)
	_, err = s.q.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE creditor_id = $1 AND key = $2`, creditorID, key)
	return err
}

// PruneIdempotencyKeys deletes keys older than cutoff.
func (s *Store) PruneIdempotencyKeys(ctx context.Context, cutoff time.Time) (n int64, err error) {
	defer wrap(&err, "PruneIdempotencyKeys")
	res, err := s.q.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE created_at < $1`, cutoff)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
