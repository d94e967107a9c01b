package staff

import (
	"context"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/store"
)

// Admins manage the staff accounts of their creditor here. Every change
// is written to the audit log in its transaction, with what changed
// before and after; passwords, their hashes and TOTP secrets never are.

// MaxNameLength is the longest name a staff account may have.
const MaxNameLength = 200

// UserForm is what an admin enters for an account.
type UserForm struct {
	Email        string // only when creating
	Name         string
	Role         string
	TOTPRequired bool // admins always need a second factor
	Disabled     bool // only when editing
}

// userState is what the audit log records of an account.
type userState struct {
	Name         string
	Role         string
	TOTPRequired bool
	Disabled     bool
}

func (u userState) fields() map[string]any {
	return map[string]any{"name": u.Name, "role": u.Role, "totp_required": u.TOTPRequired, "disabled": u.Disabled}
}

// normalize trims the form and applies the rules every account follows.
func (f *UserForm) normalize() {
	f.Email = strings.ToLower(strings.TrimSpace(f.Email))
	f.Name = strings.TrimSpace(f.Name)
	if f.Role == RoleAdmin {
		f.TOTPRequired = true // ASVS 6.3.3: admins use a second factor
	}
}

func (f *UserForm) validate(v *ar.Invalids, creating bool) {
	if creating {
		if a, err := mail.ParseAddress(f.Email); f.Email == "" || err != nil || a.Address != f.Email || len(f.Email) > 254 {
			v.Add("email", "error.staff.users.email", nil)
		}
	}
	if utf8.RuneCountInString(f.Name) > MaxNameLength || strings.ContainsFunc(f.Name, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		v.Add("name", "error.staff.users.name", nil)
	}
	if !ValidRole(f.Role) {
		v.Add("role", "error.staff.users.role", nil)
	}
}

// CreateUser makes an account at the creditor with a generated password,
// which is returned to be shown once and is stored only as its hash.
func (s *Service) CreateUser(ctx context.Context, by *store.StaffUser, creditorID int64, f UserForm) (id int64, password string, err error) {
	f.normalize()
	var v ar.Invalids
	f.validate(&v, true)
	if err := v.Err(); err != nil {
		return 0, "", err
	}
	password = GeneratePassword()
	hash, err := HashPassword(password)
	if err != nil {
		return 0, "", err
	}
	err = s.Store.InTx(ctx, func(tx *store.Store) error {
		var err error
		if id, err = tx.CreateStaffUser(ctx, f.Email, f.Role, &creditorID, hash, f.TOTPRequired); err != nil {
			return err
		}
		if f.Name != "" {
			if err := tx.UpdateCreditorStaffUser(ctx, creditorID, id, store.StaffUserUpdate{Name: f.Name, Role: f.Role,
				TOTPRequired: f.TOTPRequired}, s.now()); err != nil {
				return err
			}
		}
		after := userState{Name: f.Name, Role: f.Role, TOTPRequired: f.TOTPRequired}.fields()
		after["id"] = id
		return tx.AddAudit(ctx, &by.ID, &creditorID, "user.created", f.Email, nil, after)
	})
	if err != nil {
		return 0, "", err
	}
	return id, password, nil
}

// UpdateUser changes an account of the creditor. An admin cannot take
// their own admin role or disable themselves (someone must be left who
// can undo it). Disabling ends the account's sessions at once.
func (s *Service) UpdateUser(ctx context.Context, by *store.StaffUser, creditorID, id int64, f UserForm) error {
	f.normalize()
	return s.Store.InTx(ctx, func(tx *store.Store) error {
		u, err := tx.LockStaffUser(ctx, creditorID, id)
		if err != nil {
			return err
		}
		var v ar.Invalids
		f.validate(&v, false)
		if u.ID == by.ID {
			if f.Role != "" && f.Role != u.Role {
				v.Add("role", "error.staff.users.self_demote", nil)
			}
			if f.Disabled {
				v.Add("disabled", "error.staff.users.self_disable", nil)
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		now := s.now()
		old := userState{Name: u.Name, Role: u.Role, TOTPRequired: u.TOTPRequired, Disabled: u.DisabledAt != nil}
		next := userState{Name: f.Name, Role: f.Role, TOTPRequired: f.TOTPRequired, Disabled: f.Disabled}
		if old == next {
			return nil // nothing changed, nothing to record
		}
		if err := tx.UpdateCreditorStaffUser(ctx, creditorID, id, store.StaffUserUpdate{Name: next.Name, Role: next.Role,
			TOTPRequired: next.TOTPRequired, Disabled: next.Disabled}, now); err != nil {
			return err
		}
		action := "user.updated"
		switch {
		case next.Disabled && !old.Disabled:
			action = "user.disabled"
			if err := tx.EndAllStaffSessions(ctx, id, now); err != nil {
				return err
			}
		case !next.Disabled && old.Disabled:
			action = "user.enabled"
		}
		before, after := changes(old.fields(), next.fields())
		return tx.AddAudit(ctx, &by.ID, &creditorID, action, u.Email, before, after)
	})
}

// changes keeps the fields whose values differ.
func changes(old, next map[string]any) (before, after map[string]any) {
	before, after = map[string]any{}, map[string]any{}
	for k, v := range next {
		if old[k] != v {
			before[k], after[k] = old[k], v
		}
	}
	return before, after
}

// ResetPassword gives an account of the creditor a new generated
// password, returned to be shown once, and ends its sessions.
func (s *Service) ResetPassword(ctx context.Context, by *store.StaffUser, creditorID, id int64) (email, password string, err error) {
	password = GeneratePassword()
	hash, err := HashPassword(password)
	if err != nil {
		return "", "", err
	}
	err = s.Store.InTx(ctx, func(tx *store.Store) error {
		u, err := tx.LockStaffUser(ctx, creditorID, id)
		if err != nil {
			return err
		}
		email = u.Email
		now := s.now()
		if err := tx.SetCreditorStaffPassword(ctx, creditorID, id, hash, now); err != nil {
			return err
		}
		if err := tx.EndAllStaffSessions(ctx, id, now); err != nil {
			return err
		}
		return tx.AddAudit(ctx, &by.ID, &creditorID, "user.password_reset", u.Email, nil, map[string]any{"sessions_ended": true})
	})
	if err != nil {
		return "", "", err
	}
	return email, password, nil
}

// ResetTOTP removes the second factor of an account of the creditor and
// ends its sessions: at the next sign-in it sets up a new one (when one
// is required).
func (s *Service) ResetTOTP(ctx context.Context, by *store.StaffUser, creditorID, id int64) error {
	return s.Store.InTx(ctx, func(tx *store.Store) error {
		u, err := tx.LockStaffUser(ctx, creditorID, id)
		if err != nil {
			return err
		}
		now := s.now()
		if err := tx.ClearCreditorStaffTOTP(ctx, creditorID, id); err != nil {
			return err
		}
		if err := tx.EndAllStaffSessions(ctx, id, now); err != nil {
			return err
		}
		return tx.AddAudit(ctx, &by.ID, &creditorID, "user.totp_reset", u.Email,
			map[string]any{"totp_enrolled": u.TOTPConfirmedAt != nil},
			map[string]any{"totp_enrolled": false, "sessions_ended": true})
	})
}
