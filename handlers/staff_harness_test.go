package handlers

// Staff fixtures: accounts per role and creditor, signed-in clients, and
// the authenticator app (codes from the account's sealed secret).

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/staff"
)

// staffPassword is every test account's password; its hash is computed
// once (argon2id is slow on purpose).
const staffPassword = "correct horse battery staple"

var staffHash = sync.OnceValue(func() string {
	h, err := staff.HashPassword(staffPassword)
	if err != nil {
		panic(err)
	}
	return h
})

// addStaff makes an account of role at c (nil: an operator's admin) and
// returns its email.
func (h *harness) addStaff(role string, c *ar.Creditor, totpRequired bool) string {
	h.t.Helper()
	h.mu.Lock()
	h.nextIP++
	n := h.nextIP
	h.mu.Unlock()
	slug := "operator"
	var cid *int64
	if c != nil {
		slug, cid = c.Slug, &c.ID
	}
	email := fmt.Sprintf("%s%d@%s.example", role, n, slug)
	if _, err := h.st.CreateStaffUser(h.ctx, email, role, cid, staffHash(), totpRequired); err != nil {
		h.t.Fatal(err)
	}
	return email
}

// totpCode is what the account's authenticator app shows at the
// harness's clock (plus offset).
func (h *harness) totpCode(email string, offset time.Duration) string {
	h.t.Helper()
	u, err := h.st.StaffUserByEmail(h.ctx, email)
	if err != nil {
		h.t.Fatal(err)
	}
	secret, err := h.staff.Box.Open(u.TOTPSealed, fmt.Sprintf("staff-totp:%d", u.ID))
	if err != nil {
		h.t.Fatalf("open TOTP secret of %s: %v", email, err)
	}
	code, err := totp.GenerateCode(string(secret), h.clock.Now().Add(offset))
	if err != nil {
		h.t.Fatal(err)
	}
	return code
}

// staffLogin signs c in with email and the test password, doing the
// second factor (and its enrolment) when the account needs it.
func (c *tclient) staffLogin(email string) {
	c.h.t.Helper()
	res := c.post("/staff/login", url.Values{"email": {email}, "password": {staffPassword}})
	if res.StatusCode != http.StatusSeeOther {
		c.h.t.Fatalf("POST /staff/login = %d, want 303\n%s", res.StatusCode, c.h.logs.String())
	}
	if loc := res.Header.Get("Location"); strings.HasPrefix(loc, "/staff/login/totp") {
		if page := c.get(loc); page.StatusCode != http.StatusOK {
			c.h.t.Fatalf("GET %s = %d", loc, page.StatusCode)
		}
		// A fresh step, so that a code used by an earlier sign-in of the
		// same account is not reused.
		c.h.clock.Advance(30 * time.Second)
		res = c.post("/staff/login/totp", url.Values{"code": {c.h.totpCode(email, 0)}})
		if res.StatusCode != http.StatusSeeOther {
			c.h.t.Fatalf("POST /staff/login/totp = %d, want 303\n%s", res.StatusCode, res.body)
		}
	}
}

// staffClient returns a client signed in as a new account of role at c.
func (h *harness) staffClient(role string, c *ar.Creditor) *tclient {
	h.t.Helper()
	cl := h.client()
	cl.staffLogin(h.addStaff(role, c, false))
	return cl
}

// extract returns the text between the first from and the next to after
// it ("" when from is missing).
func extract(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	s = s[i+len(from):]
	if j := strings.Index(s, to); j >= 0 {
		return s[:j]
	}
	return s
}

// staffUserID is the id of the account with this email, as a path value.
func (h *harness) staffUserID(email string) string {
	h.t.Helper()
	u, err := h.st.StaffUserByEmail(h.ctx, email)
	if err != nil {
		h.t.Fatal(err)
	}
	return fmt.Sprint(u.ID)
}

// addMessage puts an email in creditor c's outbox (debtor may be nil)
// with this HTML body, and returns its id as a path value.
func (h *harness) addMessage(c *ar.Creditor, debtor *int64, htmlBody string) string {
	h.t.Helper()
	m := &ar.Message{CreditorID: c.ID, DebtorID: debtor, Channel: "email", Recipient: "someone@example.org",
		Subject: "Ihre Rechnung", Body: "Guten Tag,\nbitte zahlen Sie.", HTMLBody: htmlBody, Purpose: "link"}
	if err := h.st.EnqueueMessage(h.ctx, m); err != nil {
		h.t.Fatal(err)
	}
	return fmt.Sprint(m.ID)
}
