package store

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/lib/pq"

	"github.com/settle/settle/internal/ar"
)

// CreateStaffUser adds a staff account; a taken email is a Conflict.
func (s *Store) CreateStaffUser(ctx context.Context, email, role string, creditorID *int64, passwordHash string, totpRequired bool) (id int64, err error) {
	defer wrap(&err, "CreateStaffUser(%q)", email)
	err = s.q.GetContext(ctx, &id, `INSERT INTO staff_users (email, role, creditor_id, password_hash, totp_required)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`, strings.ToLower(email), role, creditorID, passwordHash, totpRequired)
	var pe *pq.Error
	if errors.As(err, &pe) && pe.Code == "23505" {
		return 0, &ar.Error{Code: ar.Conflict, Key: "error.staff.email_taken", Field: "email"}
	}
	return id, err
}

// AddAudit records a staff (or operator) action with its before and after.
func (s *Store) AddAudit(ctx context.Context, staffID, creditorID *int64, action, subject string, before, after any) (err error) {
	defer wrap(&err, "AddAudit(%q)", action)
	b, _ := json.Marshal(before)
	a, _ := json.Marshal(after)
	_, err = s.q.ExecContext(ctx, `INSERT INTO audit_log (staff_id, creditor_id, action, subject, before, after)
		VALUES ($1, $2, $3, $4, $5, $6)`, staffID, creditorID, action, subject, b, a)
	return err
}

// StaffUser is a staff account as the back office sees it.
type StaffUser struct {
	ID                int64      `db:"id"`
	Email             string     `db:"email"`
	Name              string     `db:"name"`
	Role              string     `db:"role"`
	CreditorID        *int64     `db:"creditor_id"`
	PasswordHash      string     `db:"password_hash"`
	TOTPSealed        []byte     `db:"totp_secret_sealed"`
	TOTPRequired      bool       `db:"totp_required"`
	TOTPConfirmedAt   *time.Time `db:"totp_confirmed_at"`
	TOTPLastStep      int64      `db:"totp_last_step"`
	SessionsValidFrom time.Time  `db:"sessions_valid_after"`
	CreatedAt         time.Time  `db:"created_at"`
	LastLoginAt       *time.Time `db:"last_login_at"`
	DisabledAt        *time.Time `db:"disabled_at"`
}

const staffColumns = `id, email, name, role, creditor_id, password_hash, totp_secret_sealed, totp_required,
	totp_confirmed_at, totp_last_step, sessions_valid_after, created_at, last_login_at, disabled_at`

// StaffUserByEmail finds an account by its (case-insensitive) email.
func (s *Store) StaffUserByEmail(ctx context.Context, email string) (u *StaffUser, err error) {
	defer wrap(&err, "StaffUserByEmail")
	u = &StaffUser{}
	err = s.q.GetContext(ctx, u, `SELECT `+staffColumns+` FROM staff_users WHERE email = lower($1)`, email)
	return u, err
}

// StaffUser loads an account by id. With a creditor, only an account of
// that creditor is found (admins manage their own creditor's staff).
func (s *Store) StaffUser(ctx context.Context, creditorID *int64, id int64) (u *StaffUser, err error) {
	defer wrap(&err, "StaffUser(%d)", id)
	u = &StaffUser{}
	err = s.q.GetContext(ctx, u, `SELECT `+staffColumns+` FROM staff_users
		WHERE id = $1 AND ($2::bigint IS NULL OR creditor_id = $2)`, id, creditorID)
	return u, err
}

// StaffUsers lists the accounts of a creditor (nil: every account).
func (s *Store) StaffUsers(ctx context.Context, creditorID *int64) (list []StaffUser, err error) {
	defer wrap(&err, "StaffUsers")
	err = s.q.SelectContext(ctx, &list, `SELECT `+staffColumns+` FROM staff_users
		WHERE $1::bigint IS NULL OR creditor_id = $1 ORDER BY disabled_at IS NOT NULL, email`, creditorID)
	return list, err
}

// StaffUserUpdate is what an admin may change on an account.
type StaffUserUpdate struct {
	Name         string
	Role         string
	TOTPRequired bool
	Disabled     bool
}

// UpdateStaffUser changes an account's name, role, second-factor rule
// and whether it is disabled; disabling also ends its sessions.
func (s *Store) UpdateStaffUser(ctx context.Context, id int64, u StaffUserUpdate, at time.Time) (err error) {
	defer wrap(&err, "UpdateStaffUser(%d)", id)
	_, err = s.q.ExecContext(ctx, `UPDATE staff_users SET name = $2, role = $3, totp_required = $4,
		disabled_at = CASE WHEN $5 THEN coalesce(disabled_at, $6) END,
		sessions_valid_after = CASE WHEN $5 AND disabled_at IS NULL THEN $6 ELSE sessions_valid_after END
		WHERE id = $1`, id, u.Name, u.Role, u.TOTPRequired, u.Disabled, at)
	return err
}

// SetStaffPassword replaces a password hash and ends every session.
func (s *Store) SetStaffPassword(ctx context.Context, id int64, hash string, at time.Time) (err error) {
	defer wrap(&err, "SetStaffPassword(%d)", id)
	_, err = s.q.ExecContext(ctx, `UPDATE staff_users SET password_hash = $2, sessions_valid_after = $3 WHERE id = $1`, id, hash, at)
	return err
}

// SetStaffTOTPSecret stores a sealed TOTP secret awaiting confirmation
// (nil removes it, so the account enrols afresh).
func (s *Store) SetStaffTOTPSecret(ctx context.Context, id int64, sealed []byte) (err error) {
	defer wrap(&err, "SetStaffTOTPSecret(%d)", id)
	_, err = s.q.ExecContext(ctx, `UPDATE staff_users SET totp_secret_sealed = $2, totp_confirmed_at = NULL,
		totp_last_step = 0 WHERE id = $1`, id, sealed)
	return err
}

// UseStaffTOTPStep records that the code of a time step was used; it
// fails (false) when that step or a later one was used before, so every
// code works once. confirm also finishes an enrolment.
func (s *Store) UseStaffTOTPStep(ctx context.Context, id, step int64, confirm bool, at time.Time) (ok bool, err error) {
	defer wrap(&err, "UseStaffTOTPStep(%d)", id)
	res, err := s.q.ExecContext(ctx, `UPDATE staff_users SET totp_last_step = $2,
		totp_confirmed_at = CASE WHEN $3 THEN coalesce(totp_confirmed_at, $4) ELSE totp_confirmed_at END
		WHERE id = $1 AND totp_last_step < $2`, id, step, confirm, at)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// StaffLoggedIn notes a successful sign-in.
func (s *Store) StaffLoggedIn(ctx context.Context, id int64, at time.Time) (err error) {
	defer wrap(&err, "StaffLoggedIn(%d)", id)
	_, err = s.q.ExecContext(ctx, `UPDATE staff_users SET last_login_at = $2 WHERE id = $1`, id, at)
	return err
}

// StaffSession is a live staff session joined with its account.
type StaffSession struct {
	StaffID    int64     `db:"staff_id"`
	CreditorID *int64    `db:"session_creditor_id"`
	MFAPending bool      `db:"mfa_pending"`
	CreatedAt  time.Time `db:"session_created_at"`
	SeenAt     time.Time `db:"seen_at"`
	User       StaffUser `db:"u"`
}

// staffColumnsAs is staffColumns of the alias u, named u.<column> for a
// nested StaffUser.
var staffColumnsAs = func() string {
	cols := strings.Split(staffColumns, ",")
	for i, c := range cols {
		c = strings.TrimSpace(c)
		cols[i] = "u." + c + ` AS "u.` + c + `"`
	}
	return strings.Join(cols, ", ")
}()

// CreateStaffSession records a staff session by the hash of its id.
func (s *Store) CreateStaffSession(ctx context.Context, idHash []byte, staffID int64, creditorID *int64, mfaPending bool, at time.Time) (err error) {
	defer wrap(&err, "CreateStaffSession(%d)", staffID)
	_, err = s.q.ExecContext(ctx, `INSERT INTO staff_sessions (id_hash, staff_id, creditor_id, mfa_pending, created_at, seen_at)
		VALUES ($1, $2, $3, $4, $5, $5)`, idHash, staffID, creditorID, mfaPending, at)
	return err
}

// LiveStaffSession returns a session with its account (one query: it
// runs on every back-office request) that is not ended, belongs to an
// enabled account, was not cut off by "log out everywhere", and is within
// its idle and absolute limits at now; otherwise NotFound.
func (s *Store) LiveStaffSession(ctx context.Context, idHash []byte, now time.Time, idle, absolute time.Duration) (ss *StaffSession, err error) {
	defer wrap(&err, "LiveStaffSession")
	ss = &StaffSession{}
	err = s.q.GetContext(ctx, ss, `SELECT s.staff_id, s.creditor_id AS session_creditor_id, s.mfa_pending,
		s.created_at AS session_created_at, s.seen_at, `+staffColumnsAs+`
		FROM staff_sessions s JOIN staff_users u ON u.id = s.staff_id
		WHERE s.id_hash = $1 AND s.ended_at IS NULL AND u.disabled_at IS NULL
			AND s.created_at >= u.sessions_valid_after
			AND s.seen_at > $2 AND s.created_at > $3`,
		idHash, now.Add(-idle), now.Add(-absolute))
	return ss, err
}

// TouchStaffSession moves a session's idle clock to at.
func (s *Store) TouchStaffSession(ctx context.Context, idHash []byte, at time.Time) (err error) {
	defer wrap(&err, "TouchStaffSession")
	_, err = s.q.ExecContext(ctx, `UPDATE staff_sessions SET seen_at = $2 WHERE id_hash = $1 AND ended_at IS NULL`, idHash, at)
	return err
}

// SetStaffSessionCreditor switches the creditor a session works on.
func (s *Store) SetStaffSessionCreditor(ctx context.Context, idHash []byte, creditorID int64) (err error) {
	defer wrap(&err, "SetStaffSessionCreditor")
	_, err = s.q.ExecContext(ctx, `UPDATE staff_sessions SET creditor_id = $2 WHERE id_hash = $1 AND ended_at IS NULL`, idHash, creditorID)
	return err
}

// EndStaffSession ends one session.
func (s *Store) EndStaffSession(ctx context.Context, idHash []byte, at time.Time) (err error) {
	defer wrap(&err, "EndStaffSession")
	_, err = s.q.ExecContext(ctx, `UPDATE staff_sessions SET ended_at = $2 WHERE id_hash = $1 AND ended_at IS NULL`, idHash, at)
	return err
}

// EndAllStaffSessions ends every session of an account ("log out
// everywhere"), also copies of cookies not yet seen.
func (s *Store) EndAllStaffSessions(ctx context.Context, staffID int64, at time.Time) (err error) {
	defer wrap(&err, "EndAllStaffSessions(%d)", staffID)
	if _, err = s.q.ExecContext(ctx, `UPDATE staff_sessions SET ended_at = $2 WHERE staff_id = $1 AND ended_at IS NULL`, staffID, at); err != nil {
		return err
	}
	_, err = s.q.ExecContext(ctx, `UPDATE staff_users SET sessions_valid_after = $2 WHERE id = $1`, staffID, at)
	return err
}

// PruneStaffSessions deletes sessions past any absolute timeout.
func (s *Store) PruneStaffSessions(ctx context.Context, cutoff time.Time) (n int64, err error) {
	defer wrap(&err, "PruneStaffSessions")
	res, err := s.q.ExecContext(ctx, `DELETE FROM staff_sessions WHERE created_at < $1`, cutoff)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// AuditEntry is one line of the audit log.
type AuditEntry struct {
	ID         int64           `db:"id"`
	StaffID    *int64          `db:"staff_id"` // nil: the system or the CLI
	StaffEmail *string         `db:"staff_email"`
	CreditorID *int64          `db:"creditor_id"`
	Action     string          `db:"action"`
	Subject    string          `db:"subject"`
	Before     json.RawMessage `db:"before"`
	After      json.RawMessage `db:"after"`
	At         time.Time       `db:"at"`
}

// AuditLog lists a creditor's audit entries (nil: all), newest first,
// optionally only one action prefix, before the id cursor (0: newest).
func (s *Store) AuditLog(ctx context.Context, creditorID *int64, action string, beforeID int64, limit int) (list []AuditEntry, err error) {
	defer wrap(&err, "AuditLog")
	err = s.q.SelectContext(ctx, &list, `SELECT a.id, u.email AS staff_email, a.creditor_id, a.action, a.subject,
		coalesce(a.before, 'null') AS before, coalesce(a.after, 'null') AS after, a.at
		FROM audit_log a LEFT JOIN staff_users u ON u.id = a.staff_id
		WHERE ($1::bigint IS NULL OR a.creditor_id = $1) AND ($2 = '' OR a.action LIKE $2 || '%')
			AND ($3 = 0 OR a.id < $3)
		ORDER BY a.id DESC LIMIT $4`, creditorID, action, beforeID, limit)
	return list, err
}
