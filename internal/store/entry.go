package store

import (
	"context"
	"time"
)

// SetEntrySecret replaces a creditor's entry secret.
func (s *Store) SetEntrySecret(ctx context.Context, creditorID int64, secret []byte) (err error) {
	defer wrap(&err, "SetEntrySecret(%d)", creditorID)
	_, err = s.q.ExecContext(ctx, `UPDATE creditors SET entry_secret = $2 WHERE id = $1`, creditorID, secret)
	return err
}

// EntrySecret returns a creditor's entry secret (nil when none is set).
func (s *Store) EntrySecret(ctx context.Context, creditorID int64) (secret []byte, err error) {
	defer wrap(&err, "EntrySecret(%d)", creditorID)
	err = s.q.GetContext(ctx, &secret, `SELECT entry_secret FROM creditors WHERE id = $1`, creditorID)
	return secret, err
}

// UseEntryNonce records a nonce; it reports false when it was used before.
func (s *Store) UseEntryNonce(ctx context.Context, creditorID int64, nonce string, expiresAt time.Time) (fresh bool, err error) {
	defer wrap(&err, "UseEntryNonce(%d)", creditorID)
	res, err := s.q.ExecContext(ctx, `INSERT INTO entry_nonces (creditor_id, nonce, expires_at)
		VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, creditorID, nonce, expiresAt)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// PruneEntryNonces deletes nonces whose URLs have expired anyway.
func (s *Store) PruneEntryNonces(ctx context.Context, before time.Time) (n int64, err error) {
	defer wrap(&err, "PruneEntryNonces")
	res, err := s.q.ExecContext(ctx, `DELETE FROM entry_nonces WHERE expires_at < $1`, before)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
