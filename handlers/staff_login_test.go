package handlers

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/settle/settle/internal/staff"
)

func TestStaffSignInWithPassword(t *testing.T) {
	h := newHarness(t)
	email := h.addStaff(staff.RoleAgent, h.a, false)
	c := h.client()

	// Without a session, pages send to the sign-in and remember where.
	res := c.get("/staff/account?x=1")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/staff/login?next="+url.QueryEscape("/staff/account?x=1") {
		t.Fatalf("GET /staff/account signed out = %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	// A POST without a session changes nothing and says so.
	if res := c.post("/staff/logout-everywhere", nil); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("POST without session = %d, want 401", res.StatusCode)
	}

	wrong := c.post("/staff/login", url.Values{"email": {email}, "password": {"wrong password!"}}, "Accept-Language", "en")
	unknown := c.post("/staff/login", url.Values{"email": {"nobody@example.org"}, "password": {staffPassword}}, "Accept-Language", "en")
	for _, r := range []*tresp{wrong, unknown} {
		if r.StatusCode != http.StatusUnauthorized || !strings.Contains(r.body, "Email or password is wrong.") {
			t.Errorf("failed sign-in = %d, want 401 with one message for both cases:\n%s", r.StatusCode, r.body)
		}
	}
	if !strings.Contains(wrong.body, `value="`+email+`"`) {
		t.Error("the email typed is lost after a failed sign-in")
	}
	if c.cookie("settle_staff") != nil {
		t.Error("a failed sign-in set a staff cookie")
	}

	res = c.post("/staff/login", url.Values{"email": {strings.ToUpper(email)}, "password": {staffPassword},
		"next": {"/staff/account?x=1"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/staff/account?x=1" {
		t.Fatalf("sign-in = %d to %q, want 303 to the page asked for", res.StatusCode, res.Header.Get("Location"))
	}
	page := c.get("/staff/account")
	if page.StatusCode != http.StatusOK || !strings.Contains(page.body, email) {
		t.Fatalf("account page = %d, does not name %s", page.StatusCode, email)
	}
	// next never leaves the back office.
	for _, evil := range []string{"https://evil.example/", "//evil.example/staff", "/account", "/staff/../account", "/\\evil.example"} {
		if got := safeStaffNext(evil); !strings.HasPrefix(got, "/staff") || strings.Contains(got, "evil") {
			t.Errorf("safeStaffNext(%q) = %q", evil, got)
		}
	}
	if n := h.queryInt(`SELECT count(*) FROM audit_log WHERE action = 'session.login'`); n != 1 {
		t.Errorf("audit has %d sign-ins, want 1", n)
	}
	if n := h.queryInt(`SELECT count(*) FROM audit_log WHERE action = 'session.login_failed'`); n != 2 {
		t.Errorf("audit has %d failed sign-ins, want 2", n)
	}

	// Sign out: the old cookie is dead even if replayed.
	old := c.cookie("settle_staff")
	if res := c.post("/staff/logout", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout = %d", res.StatusCode)
	}
	replay := h.client()
	replay.setCookie(old)
	if res := replay.get("/staff/account"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("replayed cookie after logout = %d, want 303 to sign-in", res.StatusCode)
	}
}

func TestStaffTOTPEnrolmentAndSignIn(t *testing.T) {
	h := newHarness(t)
	email := h.addStaff(staff.RoleAdmin, h.a, true)
	c := h.client()
	res := c.post("/staff/login", url.Values{"email": {email}, "password": {staffPassword}, "next": {"/staff/account"}})
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/staff/login/totp") {
		t.Fatalf("password step = %d to %q, want the TOTP step", res.StatusCode, res.Header.Get("Location"))
	}
	pending := c.cookie("settle_staff").Value
	// With only the password, the back office stays closed.
	if res := c.get("/staff/account"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/staff/login/totp") {
		t.Errorf("page with password only = %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	enrol := c.get("/staff/login/totp?next=/staff/account", "Accept-Language", "en")
	if enrol.StatusCode != http.StatusOK || !strings.Contains(enrol.body, "data:image/png;base64,") ||
		!strings.Contains(enrol.body, `data-testid="totp-secret"`) {
		t.Fatalf("enrolment page = %d, lacks the QR code or the key:\n%s", enrol.StatusCode, enrol.body)
	}
	// A reload shows the same key.
	if again := c.get("/staff/login/totp"); extract(again.body, `data-testid="totp-secret">`, "<") != extract(enrol.body, `data-testid="totp-secret">`, "<") {
		t.Error("reloading the enrolment page changed the key")
	}
	bad := c.post("/staff/login/totp", url.Values{"code": {"000000"}, "next": {"/staff/account"}}, "Accept-Language", "en")
	if bad.StatusCode == http.StatusSeeOther || !strings.Contains(bad.body, "That code is not right") {
		t.Errorf("wrong code = %d:\n%s", bad.StatusCode, bad.body)
	}
	code := h.totpCode(email, 0)
	res = c.post("/staff/login/totp", url.Values{"code": {code[:3] + " " + code[3:]}, "next": {"/staff/account"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/staff/account" {
		t.Fatalf("right code = %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if c.cookie("settle_staff").Value == pending {
		t.Error("the session id did not change after the second factor")
	}
	if res := c.get("/staff/account"); res.StatusCode != http.StatusOK {
		t.Fatalf("account after TOTP = %d", res.StatusCode)
	}
	if n := h.queryInt(`SELECT count(*) FROM audit_log WHERE action = 'user.totp_enrolled'`); n != 1 {
		t.Errorf("enrolment audited %d times, want 1", n)
	}

	// Next sign-in: the code is asked for, no QR code; the code just used
	// does not work twice.
	c2 := h.client()
	c2.post("/staff/login", url.Values{"email": {email}, "password": {staffPassword}})
	if p := c2.get("/staff/login/totp"); strings.Contains(p.body, "data:image/png") {
		t.Error("an enrolled account is shown the QR code again")
	}
	if res := c2.post("/staff/login/totp", url.Values{"code": {code}}, "Accept-Language", "en"); res.StatusCode == http.StatusSeeOther ||
		!strings.Contains(res.body, "used already") {
		t.Errorf("replayed code = %d:\n%s", res.StatusCode, res.body)
	}
	h.clock.Advance(30 * time.Second)
	if res := c2.post("/staff/login/totp", url.Values{"code": {h.totpCode(email, 0)}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("next code = %d, want 303", res.StatusCode)
	}
}

func TestStaffSignInThrottled(t *testing.T) {
	h := newHarness(t)
	email := h.addStaff(staff.RoleAgent, h.a, false)
	c := h.client()
	for i := 0; i < 10; i++ {
		if res := c.post("/staff/login", url.Values{"email": {email}, "password": {"guess number " + string(rune('a'+i))}}); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("guess %d = %d, want 401", i, res.StatusCode)
		}
	}
	// Even the right password waits now, from any address.
	other := h.client()
	res := other.post("/staff/login", url.Values{"email": {email}, "password": {staffPassword}}, "Accept-Language", "en")
	if res.StatusCode != http.StatusTooManyRequests || !strings.Contains(res.body, "Too many attempts") {
		t.Fatalf("after 10 guesses = %d, want 429:\n%s", res.StatusCode, res.body)
	}
	h.clock.Advance(16 * time.Minute)
	if res := other.post("/staff/login", url.Values{"email": {email}, "password": {staffPassword}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("after the window = %d, want 303", res.StatusCode)
	}
}

func TestStaffSessionTimeouts(t *testing.T) {
	h := newHarness(t)
	c := h.staffClient(staff.RoleAgent, h.a)
	// Active use keeps the session for up to 12 hours...
	for i := 0; i < 51; i++ { // 11 h 54 min
		h.clock.Advance(14 * time.Minute)
		if res := c.get("/staff/account"); res.StatusCode != http.StatusOK {
			t.Fatalf("after %d×14 min of use = %d, want 200", i+1, res.StatusCode)
		}
	}
	h.clock.Advance(14 * time.Minute) // 12 h 8 min
	if res := c.get("/staff/account"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("after 12 h = %d, want 303 to sign-in", res.StatusCode)
	}
	// ...and 15 idle minutes end it.
	d := h.staffClient(staff.RoleAgent, h.a)
	h.clock.Advance(16 * time.Minute)
	if res := d.get("/staff/account"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("after 16 idle minutes = %d, want 303 to sign-in", res.StatusCode)
	}
}

func TestStaffLogoutEverywhereAndDisable(t *testing.T) {
	h := newHarness(t)
	email := h.addStaff(staff.RoleAR, h.a, false)
	laptop, phone := h.client(), h.client()
	laptop.staffLogin(email)
	phone.staffLogin(email)
	if res := laptop.post("/staff/logout-everywhere", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("logout everywhere = %d", res.StatusCode)
	}
	for name, c := range map[string]*tclient{"laptop": laptop, "phone": phone} {
		if res := c.get("/staff/account"); res.StatusCode != http.StatusSeeOther {
			t.Errorf("%s after logout everywhere = %d, want 303", name, res.StatusCode)
		}
	}
	// Signing in again works; disabling the account ends that session.
	laptop.staffLogin(email)
	if _, err := h.db.Exec(`UPDATE staff_users SET disabled_at = now() WHERE email = $1`, email); err != nil {
		t.Fatal(err)
	}
	if res := laptop.get("/staff/account"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("disabled account = %d, want 303", res.StatusCode)
	}
	if res := laptop.post("/staff/login", url.Values{"email": {email}, "password": {staffPassword}}); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("disabled account signs in: %d", res.StatusCode)
	}
}

func TestStaffOperatorPicksCreditor(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.client()
	c.staffLogin(h.addStaff(staff.RoleAdmin, nil, false))
	if res := c.get("/staff"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/staff/creditors" {
		t.Fatalf("operator's /staff = %d to %q, want the creditor picker", res.StatusCode, res.Header.Get("Location"))
	}
	picker := c.get("/staff/creditors")
	if !strings.Contains(picker.body, nameA) || !strings.Contains(picker.body, nameB) {
		t.Fatal("the picker does not list both creditors")
	}
	if res := c.post("/staff/creditor", url.Values{"creditor": {strconv.FormatInt(h.b.ID, 10)}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("pick = %d", res.StatusCode)
	}
	home := c.get("/staff")
	if home.StatusCode != http.StatusOK || !strings.Contains(home.body, nameB) {
		t.Fatalf("after picking B: %d", home.StatusCode)
	}
	// Working on B: A's debtors are out of reach.
	if res := c.get("/staff/debtors/" + strconv.FormatInt(h.alice.ID, 10)); res.StatusCode != http.StatusNotFound {
		t.Errorf("A's debtor while working on B = %d, want 404", res.StatusCode)
	}
	// A creditor's own staff cannot switch.
	agent := h.staffClient(staff.RoleAdmin, h.a)
	if res := agent.post("/staff/creditor", url.Values{"creditor": {strconv.FormatInt(h.b.ID, 10)}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("creditor admin switching = %d, want 403", res.StatusCode)
	}
}
