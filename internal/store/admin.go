package store

import (
	"context"
	"time"

	"github.com/settle/settle/internal/ar"
)

// The back office's admin pages: staff accounts of one creditor, the
// audit log, the outbox. Every query here is scoped by creditor; an
// operator's account (no creditor) is never found through them.

// LockStaffUser loads an account of the creditor for a change, locking
// its row until the transaction ends.
func (s *Store) LockStaffUser(ctx context.Context, creditorID, id int64) (u *StaffUser, err error) {
	defer wrap(&err, "LockStaffUser(%d, %d)", creditorID, id)
	u = &StaffUser{}
	err = s.q.GetContext(ctx, u, `SELECT `+staffColumns+` FROM staff_users
		WHERE id = $1 AND creditor_id = $2 FOR UPDATE`, id, creditorID)
	return u, err
}

// notFoundUnlessOne turns "no row changed" into NotFound.
func notFoundUnlessOne(n int64, err error) error {
	if err != nil {
		return err
	}
	if n != 1 {
		return ar.Errorf(ar.NotFound, "error.not_found")
	}
	return nil
}

// UpdateCreditorStaffUser changes the name, role, second-factor rule and
// disabled state of an account of the creditor. Disabling also cuts off
// its sessions (EndAllStaffSessions marks them ended as well).
func (s *Store) UpdateCreditorStaffUser(ctx context.Context, creditorID, id int64, u StaffUserUpdate, at time.Time) (err error) {
	defer wrap(&err, "UpdateCreditorStaffUser(%d, %d)", creditorID, id)
	res, err := s.q.ExecContext(ctx, `UPDATE staff_users SET name = $3, role = $4, totp_required = $5,
		disabled_at = CASE WHEN $6 THEN coalesce(disabled_at, $7) END,
		sessions_valid_after = CASE WHEN $6 AND disabled_at IS NULL THEN $7 ELSE sessions_valid_after END
		WHERE id = $1 AND creditor_id = $2`, id, creditorID, u.Name, u.Role, u.TOTPRequired, u.Disabled, at)
	if err != nil {
		return err
	}
	return notFoundUnlessOne(res.RowsAffected())
}

// SetCreditorStaffPassword replaces the password hash of an account of
// the creditor and cuts off its sessions.
func (s *Store) SetCreditorStaffPassword(ctx context.Context, creditorID, id int64, hash string, at time.Time) (err error) {
	defer wrap(&err, "SetCreditorStaffPassword(%d, %d)", creditorID, id)
	res, err := s.q.ExecContext(ctx, `UPDATE staff_users SET password_hash = $3, sessions_valid_after = $4
		WHERE id = $1 AND creditor_id = $2`, id, creditorID, hash, at)
	if err != nil {
		return err
	}
	return notFoundUnlessOne(res.RowsAffected())
}

// ClearCreditorStaffTOTP removes the second factor of an account of the
// creditor: its next sign-in enrols afresh (when one is required).
func (s *Store) ClearCreditorStaffTOTP(ctx context.Context, creditorID, id int64) (err error) {
	defer wrap(&err, "ClearCreditorStaffTOTP(%d, %d)", creditorID, id)
	res, err := s.q.ExecContext(ctx, `UPDATE staff_users SET totp_secret_sealed = NULL, totp_confirmed_at = NULL,
		totp_last_step = 0 WHERE id = $1 AND creditor_id = $2`, id, creditorID)
	if err != nil {
		return err
	}
	return notFoundUnlessOne(res.RowsAffected())
}

// AuditFilter narrows the audit log.
type AuditFilter struct {
	Action   string // an action prefix ("session.") or a whole action; "" for all
	StaffID  int64  // only what this account did; 0 for everyone
	BeforeID int64  // the cursor: entries older than this id; 0 for the newest
	Limit    int    // 1…500; 0 means 50
}

func clampLimit(n, def, max int) int {
	switch {
	case n <= 0:
		return def
	case n > max:
		return max
	}
	return n
}

// AuditEntries lists the creditor's audit log, newest first.
func (s *Store) AuditEntries(ctx context.Context, creditorID int64, f AuditFilter) (list []AuditEntry, err error) {
	defer wrap(&err, "AuditEntries(%d)", creditorID)
	err = s.q.SelectContext(ctx, &list, `SELECT a.id, a.staff_id, u.email AS staff_email, a.creditor_id, a.action,
			a.subject, coalesce(a.before, 'null') AS before, coalesce(a.after, 'null') AS after, a.at
		FROM audit_log a LEFT JOIN staff_users u ON u.id = a.staff_id
		WHERE a.creditor_id = $1 AND ($2 = '' OR starts_with(a.action, $2))
			AND ($3 = 0 OR a.staff_id = $3) AND ($4 = 0 OR a.id < $4)
		ORDER BY a.id DESC LIMIT $5`, creditorID, f.Action, f.StaffID, f.BeforeID, clampLimit(f.Limit, 50, 500))
	return list, err
}

// AuditActor is a staff account that appears in a creditor's audit log.
type AuditActor struct {
	ID    int64  `db:"id"`
	Email string `db:"email"`
}

// AuditActors lists who can have entries in the creditor's audit log:
// its staff, and operators' admins who worked on it.
func (s *Store) AuditActors(ctx context.Context, creditorID int64) (list []AuditActor, err error) {
	defer wrap(&err, "AuditActors(%d)", creditorID)
	err = s.q.SelectContext(ctx, &list, `SELECT u.id, u.email FROM staff_users u
		WHERE u.creditor_id = $1 OR (u.creditor_id IS NULL AND EXISTS (
			SELECT 1 FROM audit_log a WHERE a.staff_id = u.id AND a.creditor_id = $1))
		ORDER BY u.email`, creditorID)
	return list, err
}

// AuditActionGroups lists the first parts ("session", "user", …) of the
// actions among the creditor's newest thousand audit entries.
func (s *Store) AuditActionGroups(ctx context.Context, creditorID int64) (list []string, err error) {
	defer wrap(&err, "AuditActionGroups(%d)", creditorID)
	err = s.q.SelectContext(ctx, &list, `SELECT DISTINCT split_part(action, '.', 1) AS g FROM (
			SELECT action FROM audit_log WHERE creditor_id = $1 ORDER BY id DESC LIMIT 1000) AS newest
		ORDER BY g`, creditorID)
	return list, err
}

// OutboxFilter narrows the outbox.
type OutboxFilter struct {
	Status   string // queued, sent, failed, unsent; "" for all
	Channel  string // email, sms, letter; "" for all
	BeforeID int64  // the cursor: messages older than this id; 0 for the newest
	Limit    int    // 1…500; 0 means 50
}

// OutboxItem is a message in the outbox list.
type OutboxItem struct {
	ID             int64      `db:"id"`
	DebtorID       *int64     `db:"debtor_id"`
	CustomerNumber *string    `db:"customer_number"` // nil: no debtor
	DebtorName     *string    `db:"debtor_name"`
	Channel        string     `db:"channel"`
	Recipient      string     `db:"recipient"`
	Subject        string     `db:"subject"`
	FirstLine      string     `db:"first_line"` // of the text body, at most 120 characters
	Purpose        string     `db:"purpose"`
	Status         string     `db:"status"`
	Attempts       int        `db:"attempts"`
	HasHTML        bool       `db:"has_html"`
	CreatedAt      time.Time  `db:"created_at"`
	SentAt         *time.Time `db:"sent_at"`
}

const outboxColumns = `m.id, m.debtor_id, d.customer_number, d.name AS debtor_name, m.channel, m.recipient,
	m.subject, left(split_part(btrim(m.body, E' \n\r\t'), E'\n', 1), 120) AS first_line, m.purpose, m.status,
	m.attempts, m.html_body <> '' AS has_html, m.created_at, m.sent_at`

const outboxFrom = ` FROM messages m LEFT JOIN debtors d ON d.creditor_id = m.creditor_id AND d.id = m.debtor_id`

// OutboxMessages lists the creditor's messages, newest first.
func (s *Store) OutboxMessages(ctx context.Context, creditorID int64, f OutboxFilter) (list []OutboxItem, err error) {
	defer wrap(&err, "OutboxMessages(%d)", creditorID)
	err = s.q.SelectContext(ctx, &list, `SELECT `+outboxColumns+outboxFrom+`
		WHERE m.creditor_id = $1 AND ($2 = '' OR m.status = $2) AND ($3 = '' OR m.channel = $3)
			AND ($4 = 0 OR m.id < $4)
		ORDER BY m.id DESC LIMIT $5`, creditorID, f.Status, f.Channel, f.BeforeID, clampLimit(f.Limit, 50, 500))
	return list, err
}

// OutboxMessage is one message with its content and delivery state.
type OutboxMessage struct {
	OutboxItem
	Body       string `db:"body"`
	HTMLBody   string `db:"html_body"`
	LastError  string `db:"last_error"`
	ProviderID string `db:"provider_id"`
}

// OutboxMessage loads one of the creditor's messages.
func (s *Store) OutboxMessage(ctx context.Context, creditorID, id int64) (m *OutboxMessage, err error) {
	defer wrap(&err, "OutboxMessage(%d, %d)", creditorID, id)
	m = &OutboxMessage{}
	err = s.q.GetContext(ctx, m, `SELECT `+outboxColumns+`, m.body, m.html_body, m.last_error, m.provider_id`+
		outboxFrom+` WHERE m.creditor_id = $1 AND m.id = $2`, creditorID, id)
	return m, err
}
