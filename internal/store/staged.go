package store

import (
	"context"
	"time"

	"github.com/lib/pq"

	"github.com/settle/settle/internal/ar"
)

// Staged uploads: files of a refused dispute form or message that passed
// the content check, kept for the debtor who sent them until the form
// is sent again (migrations/00019_staged_uploads.sql). Every query is
// scoped by creditor and debtor; an expired file is never returned or
// moved, whether or not the sweep has deleted it yet.

// StagedUpload is a checked file waiting for its form. Content is only
// set when staging.
type StagedUpload struct {
	ID         int64     `db:"id"`
	PublicID   string    `db:"public_id"`
	CreditorID int64     `db:"creditor_id"`
	DebtorID   int64     `db:"debtor_id"`
	MediaType  string    `db:"media_type"`
	Size       int       `db:"size_bytes"`
	SHA256     []byte    `db:"sha256"`
	Content    []byte    `db:"content"`
	FileName   string    `db:"file_name"`
	CreatedAt  time.Time `db:"created_at"`
	ExpiresAt  time.Time `db:"expires_at"`
}

// StageUpload stores a checked file for a debtor (PublicID "": a new
// upl_… id; CreatedAt zero: now).
func (s *Store) StageUpload(ctx context.Context, u *StagedUpload) (err error) {
	defer wrap(&err, "StageUpload(%d, %d)", u.CreditorID, u.DebtorID)
	u.Size = len(u.Content)
	if u.PublicID == "" {
		u.PublicID = ar.NewPublicID("upl")
	}
	return s.q.QueryRowxContext(ctx, `INSERT INTO dispute_uploads_staged (public_id, creditor_id, debtor_id,
		media_type, size_bytes, sha256, content, file_name, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, COALESCE($9, now()), $10) RETURNING id, created_at`,
		u.PublicID, u.CreditorID, u.DebtorID, u.MediaType, u.Size, u.SHA256, u.Content, u.FileName,
		nullTime(u.CreatedAt), u.ExpiresAt).Scan(&u.ID, &u.CreatedAt)
}

// StagedUploads are those of publicIDs that are the debtor's and not
// expired at now, without content, in the order of publicIDs (ids that
// are not: left out).
func (s *Store) StagedUploads(ctx context.Context, creditorID, debtorID int64, publicIDs []string, now time.Time) (list []StagedUpload, err error) {
	defer wrap(&err, "StagedUploads(%d, %d)", creditorID, debtorID)
	if len(publicIDs) == 0 {
		return nil, nil
	}
	err = s.q.SelectContext(ctx, &list, `SELECT id, public_id, creditor_id, debtor_id, media_type, size_bytes, sha256,
		file_name, created_at, expires_at FROM dispute_uploads_staged
		WHERE creditor_id = $1 AND debtor_id = $2 AND public_id = ANY($3) AND expires_at > $4
		ORDER BY array_position($3, public_id)`, creditorID, debtorID, pq.StringArray(publicIDs), now)
	return list, err
}

// MoveStagedUploads attaches the debtor's staged files named by
// publicIDs (those not expired at now) to one of their disputes (and
// message), in the order of publicIDs, and deletes them from the stage.
// It returns how many it moved; run it in the dispute's transaction.
func (s *Store) MoveStagedUploads(ctx context.Context, creditorID, debtorID int64, publicIDs []string, now time.Time,
	disputeID int64, messageID *int64) (n int, err error) {
	defer wrap(&err, "MoveStagedUploads(%d, %d, %d)", creditorID, debtorID, disputeID)
	if len(publicIDs) == 0 {
		return 0, nil
	}
	att := make([]string, len(publicIDs))
	for i := range att {
		att[i] = ar.NewPublicID("att")
	}
	res, err := s.q.ExecContext(ctx, `WITH pick AS (
			SELECT s.id, n.att, n.ord
			FROM unnest($3::text[], $4::text[]) WITH ORDINALITY AS n (staged, att, ord)
			JOIN dispute_uploads_staged s ON s.public_id = n.staged
			JOIN disputes d ON d.creditor_id = $1 AND d.debtor_id = $2 AND d.id = $6
			WHERE s.creditor_id = $1 AND s.debtor_id = $2 AND s.expires_at > $5
		), moved AS (
			DELETE FROM dispute_uploads_staged s USING pick WHERE s.id = pick.id
			RETURNING s.media_type, s.size_bytes, s.sha256, s.content, s.file_name, pick.att, pick.ord
		)
		INSERT INTO dispute_attachments (public_id, creditor_id, dispute_id, message_id, media_type, size_bytes,
			sha256, content, file_name, created_at)
		SELECT m.att, $1, $6, $7, m.media_type, m.size_bytes, m.sha256, m.content, m.file_name, $5
		FROM moved m ORDER BY m.ord`,
		creditorID, debtorID, pq.StringArray(publicIDs), pq.StringArray(att), now, disputeID, messageID)
	if err != nil {
		return 0, err
	}
	moved, err := res.RowsAffected()
	return int(moved), err
}

// KeepStagedUploads gives the debtor's staged files named by publicIDs
// (not expired at now) until `until`, and drops the debtor's other
// staged files beyond the newest `others` of them (forms given up in
// another tab), so that one debtor never holds more than a few forms'
// worth. It returns the kept files as StagedUploads does.
func (s *Store) KeepStagedUploads(ctx context.Context, creditorID, debtorID int64, publicIDs []string, now, until time.Time,
	others int) (list []StagedUpload, err error) {
	defer wrap(&err, "KeepStagedUploads(%d, %d)", creditorID, debtorID)
	ids := pq.StringArray(publicIDs)
	if ids == nil {
		ids = pq.StringArray{}
	}
	if _, err := s.q.ExecContext(ctx, `UPDATE dispute_uploads_staged SET expires_at = greatest(expires_at, $5)
		WHERE creditor_id = $1 AND debtor_id = $2 AND public_id = ANY($3) AND expires_at > $4`,
		creditorID, debtorID, ids, now, until); err != nil {
		return nil, err
	}
	if _, err := s.q.ExecContext(ctx, `DELETE FROM dispute_uploads_staged WHERE id IN (
		SELECT id FROM dispute_uploads_staged WHERE creditor_id = $1 AND debtor_id = $2 AND NOT (public_id = ANY($3))
		ORDER BY created_at DESC, id DESC OFFSET $4)`, creditorID, debtorID, ids, others); err != nil {
		return nil, err
	}
	return s.StagedUploads(ctx, creditorID, debtorID, publicIDs, now)
}

// DeleteExpiredStagedUploads deletes up to limit staged files (of every
// creditor) that expired before now: the periodic sweep's work. It
// returns how many it deleted.
func (s *Store) DeleteExpiredStagedUploads(ctx context.Context, now time.Time, limit int) (n int64, err error) {
	defer wrap(&err, "DeleteExpiredStagedUploads")
	res, err := s.q.ExecContext(ctx, `DELETE FROM dispute_uploads_staged WHERE id IN (
		SELECT id FROM dispute_uploads_staged WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2
		FOR UPDATE SKIP LOCKED)`, now, limit)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
