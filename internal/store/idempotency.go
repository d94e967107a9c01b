package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
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

// BeginIdempotent claims an Idempotency-Key for a request. It returns a
// claim when the key is new, or when an earlier claim of the same request
// was abandoned: still in flight but not renewed for staleAfter (its
// process died: kill -9, OOM, a lost machine), so the client's retry runs
// it again instead of hearing "in flight" until the key is pruned.
// Otherwise it returns the existing record and a zero claim.
//
// The claim is the row's created_at, which RenewIdempotent moves on while
// the request runs; Renew, Complete and Release act only on the claim they
// are given, so a request whose claim was taken over cannot overwrite the
// new run's outcome.
func (s *Store) BeginIdempotent(ctx context.Context, creditorID int64, key, method, path string, hash []byte, staleAfter time.Duration) (rec *IdempotencyRecord, claim time.Time, err error) {
	defer wrap(&err, "BeginIdempotent(%d)", creditorID)
	for range 3 { // a key released between the two statements is claimed on the next round
		err = s.q.GetContext(ctx, &claim, `INSERT INTO idempotency_keys (creditor_id, key, method, path, request_hash)
			VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (creditor_id, key) DO UPDATE SET created_at = now()
			WHERE idempotency_keys.completed_at IS NULL
			  AND idempotency_keys.created_at < now() - make_interval(secs => $6)
			  AND idempotency_keys.method = EXCLUDED.method AND idempotency_keys.path = EXCLUDED.path
			  AND idempotency_keys.request_hash = EXCLUDED.request_hash
			RETURNING created_at`, creditorID, key, method, path, hash, staleAfter.Seconds())
		if err == nil {
			return nil, claim, nil
		} else if !errors.Is(err, sql.ErrNoRows) {
			return nil, time.Time{}, err
		}
		rec = new(IdempotencyRecord)
		err = s.q.GetContext(ctx, rec, `SELECT method, path, request_hash, status, response, created_at, completed_at
			FROM idempotency_keys WHERE creditor_id = $1 AND key = $2`, creditorID, key)
		if !errors.Is(err, sql.ErrNoRows) {
			return rec, time.Time{}, err
		}
	}
	return nil, time.Time{}, err
}

// RenewIdempotent tells that the request holding claim still runs and
// returns the renewed claim; NotFound: the claim was taken over (the
// request ran longer than staleAfter without renewing).
func (s *Store) RenewIdempotent(ctx context.Context, creditorID int64, key string, claim time.Time) (renewed time.Time, err error) {
	defer wrap(&err, "RenewIdempotent(%d)", creditorID)
	err = s.q.GetContext(ctx, &renewed, `UPDATE idempotency_keys SET created_at = now()
		WHERE creditor_id = $1 AND key = $2 AND created_at = $3 AND completed_at IS NULL RETURNING created_at`, creditorID, key, claim)
	return renewed, err
}

// CompleteIdempotent stores the response of a claimed key; NotFound: the
// claim was taken over.
func (s *Store) CompleteIdempotent(ctx context.Context, creditorID int64, key string, claim time.Time, status int, response []byte) (err error) {
	defer wrap(&err, "CompleteIdempotent(%d)", creditorID)
	res, err := s.q.ExecContext(ctx, `UPDATE idempotency_keys SET status = $4, response = $5, completed_at = now()
		WHERE creditor_id = $1 AND key = $2 AND created_at = $3 AND completed_at IS NULL`, creditorID, key, claim, status, response)
	if err != nil {
		return err
	}
	return notFoundUnlessOne(res.RowsAffected())
}

// ReleaseIdempotent forgets a claimed key (the request failed on our
// side, so a retry must run it again).
func (s *Store) ReleaseIdempotent(ctx context.Context, creditorID int64, key string, claim time.Time) (err error) {
	defer wrap(&err, "ReleaseIdempotent(%d)", creditorID)
	_, err = s.q.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE creditor_id = $1 AND key = $2 AND created_at = $3
		AND completed_at IS NULL`, creditorID, key, claim)
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
