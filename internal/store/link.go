package store

import (
	"context"
	"time"

	"github.com/settle/settle/internal/ar"
)

const linkColumns = `id, creditor_id, debtor_id, token_hash, purpose, channel, created_at, expires_at, revoked_at`

// CreateAccessLink stores a link (by its token hash) and records it on the
// debtor's timeline.
func (s *Store) CreateAccessLink(ctx context.Context, l *ar.AccessLink) (err error) {
	defer wrap(&err, "CreateAccessLink(%d, %d)", l.CreditorID, l.DebtorID)
	return s.InTx(ctx, func(tx *Store) error {
		err := tx.q.GetContext(ctx, l, `INSERT INTO access_links (creditor_id, debtor_id, token_hash,
			purpose, channel, expires_at) VALUES ($1, $2, $3, $4, $5, $6)
			RETURNING `+linkColumns,
			l.CreditorID, l.DebtorID, l.TokenHash, l.Purpose, l.Channel, l.ExpiresAt)
		if err != nil {
			return err
		}
		return tx.AddInteraction(ctx, &ar.Interaction{
			CreditorID: l.CreditorID, DebtorID: l.DebtorID, Kind: ar.KindLinkCreated,
			Channel: l.Channel, Actor: "system", Visibility: ar.InternalOnly,
			Data: map[string]any{"link_id": l.ID, "expires_at": l.ExpiresAt},
		})
	})
}

// AccessLinkByHash returns the link with the token hash. It is the one
// lookup not scoped by creditor: the token is what names the creditor.
func (s *Store) AccessLinkByHash(ctx context.Context, hash []byte) (l *ar.AccessLink, err error) {
	defer wrap(&err, "AccessLinkByHash")
	l = new(ar.AccessLink)
	err = s.q.GetContext(ctx, l, `SELECT `+linkColumns+` FROM access_links WHERE token_hash = $1`, hash)
	return l, err
}

// AccessLink returns one of a debtor's links.
func (s *Store) AccessLink(ctx context.Context, creditorID, debtorID, linkID int64) (l *ar.AccessLink, err error) {
	defer wrap(&err, "AccessLink(%d, %d, %d)", creditorID, debtorID, linkID)
	l = new(ar.AccessLink)
	err = s.q.GetContext(ctx, l, `SELECT `+linkColumns+` FROM access_links
		WHERE creditor_id = $1 AND debtor_id = $2 AND id = $3`, creditorID, debtorID, linkID)
	return l, err
}

// MarkLinkUsed counts an entry through the link.
func (s *Store) MarkLinkUsed(ctx context.Context, creditorID, debtorID, linkID int64, at time.Time) (err error) {
	defer wrap(&err, "MarkLinkUsed(%d)", linkID)
	_, err = s.q.ExecContext(ctx, `UPDATE access_links SET last_used_at = $4, use_count = use_count + 1
		WHERE creditor_id = $1 AND debtor_id = $2 AND id = $3`, creditorID, debtorID, linkID, at)
	return err
}

// RevokeAccessLinks revokes every live link of a debtor except keepID
// (0 keeps none) and returns how many it revoked.
func (s *Store) RevokeAccessLinks(ctx context.Context, creditorID, debtorID, keepID int64, at time.Time) (n int64, err error) {
	defer wrap(&err, "RevokeAccessLinks(%d, %d)", creditorID, debtorID)
	res, err := s.q.ExecContext(ctx, `UPDATE access_links SET revoked_at = $4
		WHERE creditor_id = $1 AND debtor_id = $2 AND id <> $3 AND revoked_at IS NULL`,
		creditorID, debtorID, keepID, at)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
