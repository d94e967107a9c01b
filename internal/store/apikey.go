package store

import (
	"context"
	"time"

	"github.com/settle/settle/internal/ar"
)

const apiKeyColumns = `id, creditor_id, name, prefix, key_hash, created_at, last_used_at, revoked_at`

// CreateAPIKey stores a key (by hash).
func (s *Store) CreateAPIKey(ctx context.Context, k *ar.APIKey) (err error) {
	defer wrap(&err, "CreateAPIKey(%d)", k.CreditorID)
	return s.q.GetContext(ctx, k, `INSERT INTO api_keys (creditor_id, name, prefix, key_hash)
		VALUES ($1, $2, $3, $4) RETURNING `+apiKeyColumns, k.CreditorID, k.Name, k.Prefix, k.KeyHash)
}

// APIKeyByHash returns the live key with the hash and notes its use (at
// most once a minute, to keep the hot path free of writes).
func (s *Store) APIKeyByHash(ctx context.Context, hash []byte, now time.Time) (k *ar.APIKey, err error) {
	defer wrap(&err, "APIKeyByHash")
	k = new(ar.APIKey)
	err = s.q.GetContext(ctx, k, `SELECT `+apiKeyColumns+` FROM api_keys
		WHERE key_hash = $1 AND revoked_at IS NULL`, hash)
	if err != nil {
		return nil, err
	}
	if k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) > time.Minute {
		_, err = s.q.ExecContext(ctx, `UPDATE api_keys SET last_used_at = $2 WHERE id = $1`, k.ID, now)
	}
	return k, err
}

// APIKeys lists a creditor's keys, newest first.
func (s *Store) APIKeys(ctx context.Context, creditorID int64) (list []ar.APIKey, err error) {
	defer wrap(&err, "APIKeys(%d)", creditorID)
	err = s.q.SelectContext(ctx, &list, `SELECT `+apiKeyColumns+` FROM api_keys
		WHERE creditor_id = $1 ORDER BY id DESC`, creditorID)
	return list, err
}

// RevokeAPIKey revokes one of a creditor's keys.
func (s *Store) RevokeAPIKey(ctx context.Context, creditorID, id int64, at time.Time) (err error) {
	defer wrap(&err, "RevokeAPIKey(%d, %d)", creditorID, id)
	res, err := s.q.ExecContext(ctx, `UPDATE api_keys SET revoked_at = $3
		WHERE creditor_id = $1 AND id = $2 AND revoked_at IS NULL`, creditorID, id, at)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ar.Errorf(ar.NotFound, "error.apikey.not_found")
	}
	return nil
}
