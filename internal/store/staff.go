package store

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

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
