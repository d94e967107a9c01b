package demo

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/staff"
	"github.com/settle/settle/internal/store"
)

// StaffUser is a demo back-office account.
type StaffUser struct {
	Email, Role, Password string
	TOTP                  bool // must set up a second factor at first sign-in
}

// StaffUsers are the demo's back-office accounts, one per role, at
// Nordwind Mobil. Their passwords are derived from the installation's
// secret key, so they are the same at every start (and can be printed
// every time) but differ between installations.
func StaffUsers(secret []byte) []StaffUser {
	return []StaffUser{
		{Email: "admin@nordwind.example", Role: staff.RoleAdmin, Password: demoPassword(secret, "admin"), TOTP: true},
		{Email: "ar@nordwind.example", Role: staff.RoleAR, Password: demoPassword(secret, "ar")},
		{Email: "agent@nordwind.example", Role: staff.RoleAgent, Password: demoPassword(secret, "agent")},
	}
}

func demoPassword(secret []byte, role string) string {
	const alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("settle demo staff password: " + role))
	sum := m.Sum(nil)
	b := make([]byte, 16)
	for i := range b {
		b[i] = alphabet[int(sum[i])%len(alphabet)]
	}
	return string(b)
}

// SeedStaff creates the demo staff accounts that do not exist yet (so an
// older demo database gets them too).
func SeedStaff(ctx context.Context, st *store.Store, users []StaffUser) error {
	c, err := st.CreditorBySlug(ctx, CreditorSlug)
	if err != nil {
		return err
	}
	for _, u := range users {
		if _, err := st.StaffUserByEmail(ctx, u.Email); err == nil {
			continue
		} else if !ar.IsNotFound(err) {
			return err
		}
		hash, err := staff.HashPassword(u.Password)
		if err != nil {
			return err
		}
		if _, err := st.CreateStaffUser(ctx, u.Email, u.Role, &c.ID, hash, u.TOTP); err != nil {
			return err
		}
	}
	return nil
}
