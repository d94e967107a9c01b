package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/settle/settle/internal/ar"
)

// CreateOTPChallenge stores a one-time code challenge.
func (s *Store) CreateOTPChallenge(ctx context.Context, c *ar.OTPChallenge) (err error) {
	defer wrap(&err, "CreateOTPChallenge(%d, %d)", c.CreditorID, c.DebtorID)
	return s.q.GetContext(ctx, c, `INSERT INTO otp_challenges (creditor_id, debtor_id, session_hash,
		salt, code_hash, channel, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
		RETURNING id, creditor_id, debtor_id, session_hash, salt, code_hash, channel, attempts,
			created_at, expires_at, used_at`,
		c.CreditorID, c.DebtorID, c.SessionHash, c.Salt, c.CodeHash, c.Channel, c.ExpiresAt)
}

// LatestOTPChallenge returns the newest challenge a session asked for, and
// locks its row until the transaction ends so that concurrent guesses are
// counted one by one.
func (s *Store) LatestOTPChallenge(ctx context.Context, creditorID, debtorID int64, sessionHash []byte) (c *ar.OTPChallenge, err error) {
	defer wrap(&err, "LatestOTPChallenge(%d, %d)", creditorID, debtorID)
	c = new(ar.OTPChallenge)
	err = s.q.GetContext(ctx, c, `SELECT id, creditor_id, debtor_id, session_hash, salt, code_hash,
		channel, attempts, created_at, expires_at, used_at FROM otp_challenges
		WHERE creditor_id = $1 AND debtor_id = $2 AND session_hash = $3
		ORDER BY created_at DESC, id DESC LIMIT 1 FOR UPDATE`, creditorID, debtorID, sessionHash)
	return c, err
}

// RecordOTPAttempt counts a try; used marks the challenge consumed.
func (s *Store) RecordOTPAttempt(ctx context.Context, id int64, used bool, at time.Time) (err error) {
	defer wrap(&err, "RecordOTPAttempt(%d)", id)
	if used {
		_, err = s.q.ExecContext(ctx, `UPDATE otp_challenges SET used_at = $2 WHERE id = $1`, id, at)
	} else {
		_, err = s.q.ExecContext(ctx, `UPDATE otp_challenges SET attempts = attempts + 1 WHERE id = $1`, id)
	}
	return err
}

// EnqueueMessage puts a message in the outbox.
func (s *Store) EnqueueMessage(ctx context.Context, m *ar.Message) (err error) {
	defer wrap(&err, "EnqueueMessage(%d)", m.CreditorID)
	return s.q.GetContext(ctx, &m.ID, `INSERT INTO messages (creditor_id, debtor_id, channel,
		recipient, subject, body, html_body, purpose) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		m.CreditorID, m.DebtorID, m.Channel, m.Recipient, m.Subject, m.Body, m.HTMLBody, m.Purpose)
}

// Messages returns the newest messages of a creditor's outbox for a
// debtor (debtorID 0: all of the creditor's).
func (s *Store) Messages(ctx context.Context, creditorID, debtorID int64, limit int) (list []ar.Message, err error) {
	defer wrap(&err, "Messages(%d, %d)", creditorID, debtorID)
	err = s.q.SelectContext(ctx, &list, `SELECT id, creditor_id, debtor_id, channel, recipient,
		subject, body, html_body, purpose FROM messages
		WHERE creditor_id = $1 AND ($2 = 0 OR debtor_id = $2)
		ORDER BY id DESC LIMIT $3`, creditorID, debtorID, limit)
	return list, err
}

// AddInteraction writes an entry on a debtor's timeline.
func (s *Store) AddInteraction(ctx context.Context, in *ar.Interaction) (err error) {
	defer wrap(&err, "AddInteraction(%d, %d, %q)", in.CreditorID, in.DebtorID, in.Kind)
	data, err := json.Marshal(in.Data)
	if err != nil {
		return err
	}
	if in.Data == nil {
		data = []byte("{}")
	}
	if in.Visibility == "" {
		in.Visibility = ar.InternalOnly
	}
	if in.Actor == "" {
		in.Actor = "system"
	}
	var at any
	if !in.OccurredAt.IsZero() {
		at = in.OccurredAt
	}
	return s.q.GetContext(ctx, &in.ID, `INSERT INTO interactions (creditor_id, debtor_id, invoice_id,
		kind, channel, actor, visibility, data, occurred_at, staff_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, COALESCE($9, now()), $10) RETURNING id`,
		in.CreditorID, in.DebtorID, in.InvoiceID, in.Kind, in.Channel, in.Actor, in.Visibility,
		data, at, in.StaffID)
}

// Interactions returns a debtor's timeline, newest first; customerOnly
// leaves out internal entries.
func (s *Store) Interactions(ctx context.Context, creditorID, debtorID int64, customerOnly bool, limit int) (list []ar.Interaction, err error) {
	defer wrap(&err, "Interactions(%d, %d)", creditorID, debtorID)
	var rows []struct {
		ar.Interaction
		RawData []byte `db:"data"`
	}
	err = s.q.SelectContext(ctx, &rows, `SELECT id, creditor_id, debtor_id, invoice_id, kind,
		channel, actor, visibility, data, occurred_at FROM interactions
		WHERE creditor_id = $1 AND debtor_id = $2 AND (NOT $3 OR visibility = 'customer')
		ORDER BY occurred_at DESC, id DESC LIMIT $4`, creditorID, debtorID, customerOnly, limit)
	if err != nil {
		return nil, err
	}
	list = make([]ar.Interaction, len(rows))
	for i, r := range rows {
		list[i] = r.Interaction
		if err := json.Unmarshal(r.RawData, &list[i].Data); err != nil {
			return nil, err
		}
	}
	return list, nil
}
