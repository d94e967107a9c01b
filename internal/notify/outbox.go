package notify

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// OutboxRow is a message as operators see it in the outbox.
type OutboxRow struct {
	ID           int64      `db:"id"`
	CreditorID   int64      `db:"creditor_id"`
	CreditorSlug string     `db:"creditor_slug"`
	DebtorID     *int64     `db:"debtor_id"`
	Channel      string     `db:"channel"`
	Recipient    string     `db:"recipient"`
	Subject      string     `db:"subject"`
	Body         string     `db:"body"` // may hold a one-time code: show only on request
	HasHTML      bool       `db:"has_html"`
	Purpose      string     `db:"purpose"`
	Status       string     `db:"status"`
	Attempts     int        `db:"attempts"`
	LastError    string     `db:"last_error"`
	ProviderID   string     `db:"provider_id"`
	CreatedAt    time.Time  `db:"created_at"`
	SentAt       *time.Time `db:"sent_at"`
}

// MaskedRecipient is the recipient with most of it hidden.
func (r OutboxRow) MaskedRecipient() string { return maskRecipient(r.Channel, r.Recipient) }

// Outbox returns the newest messages, newest first: a creditor's, or with
// creditorID 0 every creditor's. limit is clamped to 1…1000 (0: 50).
func Outbox(ctx context.Context, db sqlx.QueryerContext, creditorID int64, limit int) ([]OutboxRow, error) {
	switch {
	case limit <= 0:
		limit = 50
	case limit > 1000:
		limit = 1000
	}
	rows := []OutboxRow{}
	err := sqlx.SelectContext(ctx, db, &rows, `SELECT m.id, m.creditor_id, c.slug AS creditor_slug,
			m.debtor_id, m.channel, m.recipient, m.subject, m.body, m.html_body <> '' AS has_html,
			m.purpose, m.status, m.attempts, m.last_error, m.provider_id, m.created_at, m.sent_at
		FROM messages m JOIN creditors c ON c.id = m.creditor_id
		WHERE $1::bigint = 0 OR m.creditor_id = $1
		ORDER BY m.id DESC LIMIT $2`, creditorID, limit)
	if err != nil {
		return nil, fmt.Errorf("notify.Outbox(%d): %w", creditorID, err)
	}
	return rows, nil
}
