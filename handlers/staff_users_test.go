package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/settle/settle/internal/staff"
)

// signIn posts email and password from a fresh client and says whether
// the back office opens.
func (h *harness) signIn(email, password string) (*tclient, bool) {
	h.t.Helper()
	c := h.client()
	res := c.post("/staff/login", url.Values{"email": {email}, "password": {password}})
	if res.StatusCode != http.StatusSeeOther {
		return c, false
	}
	return c, c.get("/staff").StatusCode == http.StatusOK
}

// auditText is what the audit log holds for an action, as text.
func (h *harness) auditText(action string) string {
	h.t.Helper()
	var rows []string
	if err := h.db.Select(&rows, `SELECT subject || ' ' || coalesce(before::text, '') || ' ' || coalesce(after::text, '')
		FROM audit_log WHERE action = $1 ORDER BY id`, action); err != nil {
		h.t.Fatal(err)
	}
	return strings.Join(rows, "\n")
}

func TestStaffUserCreate(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin := h.staffClient(staff.RoleAdmin, h.a)
	otherCreditor := h.addStaff(staff.RoleAgent, h.b, false)
	operator := h.addStaff(staff.RoleAdmin, nil, false)

	form := url.Values{"email": {" Nina.Neu@Example.org "}, "name": {"Nina Neu"}, "role": {"ar"}}
	res := admin.post("/staff/users", form, "Accept-Language", "en")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("create = %d:\n%s", res.StatusCode, res.body)
	}
	doc := res.html(t)
	password := doc.testIDText("password")
	if len(password) != 20 {
		t.Fatalf("password shown = %q", password)
	}
	if !contains(doc.text(), "This password is shown only now") || !contains(doc.text(), "nina.neu@example.org") {
		t.Errorf("the result page does not say the password is shown once:\n%s", doc.text())
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q", cc)
	}
	var got struct {
		Role     string
		Name     string
		TOTP     bool
		Creditor int64
		Hash     string
	}
	if err := h.db.QueryRow(`SELECT role, name, totp_required, creditor_id, password_hash FROM staff_users
		WHERE email = 'nina.neu@example.org'`).Scan(&got.Role, &got.Name, &got.TOTP, &got.Creditor, &got.Hash); err != nil {
		t.Fatal(err)
	}
	if got.Role != "ar" || got.Name != "Nina Neu" || got.TOTP || got.Creditor != h.a.ID {
		t.Errorf("account = %+v", got)
	}
	// The password is in the answer and nowhere else: not the log, not
	// the audit log, not the account page.
	audit := h.auditText("user.created")
	if !strings.Contains(audit, "nina.neu@example.org") || !strings.Contains(audit, `"role": "ar"`) {
		t.Errorf("audit of the creation = %q", audit)
	}
	for where, text := range map[string]string{"log": h.logs.String(), "audit": audit} {
		if strings.Contains(text, password) || strings.Contains(text, got.Hash) || strings.Contains(text, "argon2") {
			t.Errorf("the %s holds the password or its hash", where)
		}
	}
	id := h.staffUserID("nina.neu@example.org")
	if page := admin.get("/staff/users/" + id); page.StatusCode != http.StatusOK || strings.Contains(page.body, password) {
		t.Errorf("account page = %d (shows the password: %v)", page.StatusCode, strings.Contains(page.body, password))
	}
	// The new account signs in with it.
	if _, ok := h.signIn("nina.neu@example.org", password); !ok {
		t.Error("the new account cannot sign in with the password shown")
	}

	// Admins always need a second factor, ticked or not.
	if res := admin.post("/staff/users", url.Values{"email": {"boss@example.org"}, "role": {"admin"}}); res.StatusCode != http.StatusOK {
		t.Fatalf("create admin = %d", res.StatusCode)
	}
	if n := h.queryInt(`SELECT count(*) FROM staff_users WHERE email = 'boss@example.org' AND totp_required`); n != 1 {
		t.Error("an admin was created without a required second factor")
	}
	bossPassword := admin.post("/staff/users/"+h.staffUserID("boss@example.org")+"/password", nil).html(t).testIDText("password")
	h.clock.Advance(time.Second) // sessions from before the reset are cut off
	c, _ := h.signIn("boss@example.org", bossPassword)
	if loc := c.get("/staff").Header.Get("Location"); !strings.HasPrefix(loc, "/staff/login/totp") {
		t.Errorf("new admin's first sign-in goes to %q, want the second factor's set-up", loc)
	}

	// Wrong input keeps what was typed and says what is wrong, in both languages.
	for _, c := range []struct {
		form   url.Values
		status int
		en, de string
	}{
		{url.Values{"email": {"not-an-email"}, "name": {"Typed Name"}, "role": {"agent"}}, 400,
			"Enter a valid email address", "Geben Sie eine gültige E-Mail-Adresse ein"},
		{url.Values{"email": {"Nina <nina@example.org>"}, "name": {"Typed Name"}, "role": {"agent"}}, 400,
			"Enter a valid email address", "Geben Sie eine gültige E-Mail-Adresse ein"},
		{url.Values{"email": {"x@example.org"}, "name": {"Typed Name"}, "role": {"boss"}}, 400,
			"Choose a role.", "Wählen Sie eine Rolle."},
		{url.Values{"email": {"NINA.NEU@example.org"}, "name": {"Typed Name"}, "role": {"agent"}}, 409,
			"A staff account with this email exists already.", "Ein Mitarbeiterkonto mit dieser E-Mail-Adresse gibt es schon."},
	} {
		for lang, want := range map[string]string{"en": c.en, "de": c.de} {
			res := admin.post("/staff/users", c.form, "Accept-Language", lang)
			if res.StatusCode != c.status || !contains(res.html(t).text(), want) {
				t.Errorf("create %v (%s) = %d, want %d with %q", c.form, lang, res.StatusCode, c.status, want)
			}
			if !strings.Contains(res.body, `value="Typed Name"`) {
				t.Errorf("create %v: the name typed is lost", c.form)
			}
		}
	}
	if n := h.queryInt(`SELECT count(*) FROM staff_users WHERE email IN ('x@example.org', 'not-an-email')`); n != 0 {
		t.Error("an invalid account was created")
	}

	// The list: the creditor's accounts, not another creditor's, not the
	// operators'.
	list := admin.get("/staff/users", "Accept-Language", "en").html(t).testIDText("users")
	for _, want := range []string{"nina.neu@example.org", "Nina Neu", "AR staff", "boss@example.org", "required", "Never", "you"} {
		if !contains(list, want) {
			t.Errorf("the list lacks %q:\n%s", want, list)
		}
	}
	for _, not := range []string{otherCreditor, operator} {
		if strings.Contains(list, not) {
			t.Errorf("the list shows %s", not)
		}
	}
}

func TestStaffUserEditDisableAndResets(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin := h.staffClient(staff.RoleAdmin, h.a)
	email := h.addStaff(staff.RoleAgent, h.a, false)
	id := h.staffUserID(email)
	target := h.client()
	target.staffLogin(email)

	// Edit: name, role, second factor.
	res := admin.post("/staff/users/"+id, url.Values{"name": {"Tom Test"}, "role": {"ar"}, "totp_required": {"1"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/staff/users/"+id+"?notice=saved" {
		t.Fatalf("edit = %d to %q:\n%s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	if page := admin.get(res.Header.Get("Location"), "Accept-Language", "de"); !contains(page.html(t).testIDText("notice"), "Die Änderungen sind gespeichert.") {
		t.Errorf("no notice after saving:\n%s", page.body)
	}
	if n := h.queryInt(`SELECT count(*) FROM staff_users WHERE id = $1 AND name = 'Tom Test' AND role = 'ar' AND totp_required`, id); n != 1 {
		t.Error("the edit was not saved")
	}
	audit := h.auditText("user.updated")
	for _, want := range []string{email, `"role": "agent"`, `"role": "ar"`, `"name": "Tom Test"`, `"totp_required": true`} {
		if !strings.Contains(audit, want) {
			t.Errorf("audit of the edit lacks %s: %s", want, audit)
		}
	}
	if strings.Contains(audit, "disabled") {
		t.Errorf("audit records fields that did not change: %s", audit)
	}
	// Saving the same again changes and records nothing.
	admin.post("/staff/users/"+id, url.Values{"name": {"Tom Test"}, "role": {"ar"}, "totp_required": {"1"}})
	if n := h.queryInt(`SELECT count(*) FROM audit_log WHERE action LIKE 'user.%' AND subject = $1`, email); n != 1 {
		t.Errorf("%d audit entries after saving twice, want 1", n)
	}
	// The role change applies at once, to the running session.
	if res := target.get("/staff/users"); res.StatusCode != http.StatusForbidden {
		t.Errorf("ar staff on the users page = %d", res.StatusCode)
	}

	// Disable: the running session ends, signing in fails.
	res = admin.post("/staff/users/"+id, url.Values{"name": {"Tom Test"}, "role": {"ar"}, "disabled": {"1"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("disable = %d:\n%s", res.StatusCode, res.body)
	}
	if res := target.get("/staff"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("disabled account's session = %d, want 303 to the sign-in", res.StatusCode)
	}
	if n := h.queryInt(`SELECT count(*) FROM staff_sessions s JOIN staff_users u ON u.id = s.staff_id
		WHERE u.email = $1 AND s.ended_at IS NULL`, email); n != 0 {
		t.Errorf("%d sessions of the disabled account not ended", n)
	}
	h.clock.Advance(time.Second)
	if _, ok := h.signIn(email, staffPassword); ok {
		t.Error("a disabled account signs in")
	}
	if a := h.auditText("user.disabled"); !strings.Contains(a, `"disabled": true`) {
		t.Errorf("audit of disabling = %q", a)
	}
	list := admin.get("/staff/users", "Accept-Language", "en").html(t).testIDText("users")
	if !contains(list, "Disabled") {
		t.Errorf("the list does not mark the account disabled:\n%s", list)
	}
	// Enable again.
	admin.post("/staff/users/"+id, url.Values{"name": {"Tom Test"}, "role": {"agent"}})
	h.clock.Advance(time.Second)
	if h.auditText("user.enabled") == "" {
		t.Error("enabling is not audited")
	}
	target, ok := h.signIn(email, staffPassword)
	if !ok {
		t.Fatal("the enabled account cannot sign in")
	}

	// Password reset: shown once, the old one and the old sessions are dead.
	res = admin.post("/staff/users/"+id+"/password", nil, "Accept-Language", "en")
	password := res.html(t).testIDText("password")
	if res.StatusCode != http.StatusOK || len(password) != 20 || !contains(res.html(t).text(), "shown only now") {
		t.Fatalf("reset = %d, password %q", res.StatusCode, password)
	}
	if res := target.get("/staff"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("session after a password reset = %d, want 303 to the sign-in", res.StatusCode)
	}
	h.clock.Advance(time.Second)
	if _, ok := h.signIn(email, staffPassword); ok {
		t.Error("the old password still works")
	}
	if _, ok := h.signIn(email, password); !ok {
		t.Error("the new password does not work")
	}
	audit = h.auditText("user.password_reset")
	if audit == "" || strings.Contains(audit, password) || strings.Contains(h.logs.String(), password) {
		t.Errorf("password reset audit %q (or the log) is wrong", audit)
	}
}

func TestStaffUserTOTPReset(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin := h.staffClient(staff.RoleAdmin, h.a)
	email := h.addStaff(staff.RoleAR, h.a, true)
	id := h.staffUserID(email)
	target := h.client()
	target.staffLogin(email) // enrols
	if n := h.queryInt(`SELECT count(*) FROM staff_users WHERE id = $1 AND totp_confirmed_at IS NOT NULL`, id); n != 1 {
		t.Fatal("the account did not enrol")
	}
	if page := admin.get("/staff/users/"+id, "Accept-Language", "en"); !contains(page.html(t).text(), "Second factor Set up") {
		t.Errorf("account page does not show the second factor set up:\n%s", page.html(t).text())
	}
	res := admin.post("/staff/users/"+id+"/totp-reset", nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/staff/users/"+id+"?notice=totp_reset" {
		t.Fatalf("TOTP reset = %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if res := target.get("/staff"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("session after the TOTP reset = %d, want 303", res.StatusCode)
	}
	if n := h.queryInt(`SELECT count(*) FROM staff_users WHERE id = $1 AND totp_secret_sealed IS NULL AND totp_confirmed_at IS NULL`, id); n != 1 {
		t.Error("the TOTP secret is still there")
	}
	a := h.auditText("user.totp_reset")
	if !strings.Contains(a, `"totp_enrolled": true`) || !strings.Contains(a, `"totp_enrolled": false`) || strings.Contains(a, "secret") {
		t.Errorf("audit of the TOTP reset = %q", a)
	}
	// The next sign-in sets up a new second factor: the QR code again.
	h.clock.Advance(time.Second)
	c := h.client()
	res = c.post("/staff/login", url.Values{"email": {email}, "password": {staffPassword}})
	if !strings.HasPrefix(res.Header.Get("Location"), "/staff/login/totp") {
		t.Fatalf("sign-in after the reset goes to %q", res.Header.Get("Location"))
	}
	enrol := c.get("/staff/login/totp")
	if !strings.Contains(enrol.body, "data:image/png;base64,") || len(enrol.html(t).testID("totp-secret")) != 1 {
		t.Error("the sign-in after a TOTP reset does not show the enrolment QR code")
	}
	h.clock.Advance(30 * time.Second)
	if res := c.post("/staff/login/totp", url.Values{"code": {h.totpCode(email, 0)}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("enrolling again = %d", res.StatusCode)
	}
}

// An admin cannot demote or disable themselves: someone must be left who
// can undo it.
func TestStaffUserSelfProtection(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	email := h.addStaff(staff.RoleAdmin, h.a, false)
	admin := h.client()
	admin.staffLogin(email)
	id := h.staffUserID(email)
	if page := admin.get("/staff/users/"+id, "Accept-Language", "en"); !contains(page.body, "You cannot take away your own admin role") {
		t.Error("the own account page does not say the role cannot be changed")
	}
	for _, c := range []struct {
		form   url.Values
		en, de string
	}{
		{url.Values{"name": {"Me"}, "role": {"agent"}}, "You cannot change your own role.", "Ihre eigene Rolle können Sie nicht ändern."},
		{url.Values{"name": {"Me"}, "role": {"admin"}, "disabled": {"1"}}, "You cannot disable your own account.", "Ihr eigenes Konto können Sie nicht sperren."},
	} {
		for lang, want := range map[string]string{"en": c.en, "de": c.de} {
			res := admin.post("/staff/users/"+id, c.form, "Accept-Language", lang)
			if res.StatusCode != http.StatusBadRequest || !contains(res.html(t).text(), want) {
				t.Errorf("%v (%s) = %d, want 400 with %q:\n%s", c.form, lang, res.StatusCode, want, res.html(t).text())
			}
		}
	}
	if n := h.queryInt(`SELECT count(*) FROM staff_users WHERE id = $1 AND role = 'admin' AND disabled_at IS NULL AND name = ''`, id); n != 1 {
		t.Error("the admin's own account changed")
	}
	if res := admin.get("/staff/users"); res.StatusCode != http.StatusOK {
		t.Errorf("admin after the refused changes = %d", res.StatusCode)
	}
	// Their own name they may change; the second factor stays required.
	if res := admin.post("/staff/users/"+id, url.Values{"name": {"Me Myself"}, "role": {"admin"}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("renaming oneself = %d", res.StatusCode)
	}
	if n := h.queryInt(`SELECT count(*) FROM staff_users WHERE id = $1 AND name = 'Me Myself' AND totp_required`, id); n != 1 {
		t.Error("renaming oneself did not save, or dropped the required second factor")
	}
}

// Accounts of another creditor and the operators' accounts are out of
// reach; an operator's admin manages the chosen creditor's accounts.
func TestStaffUsersScope(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	adminA := h.staffClient(staff.RoleAdmin, h.a)
	operatorEmail := h.addStaff(staff.RoleAdmin, nil, false)
	operator := h.client()
	operator.staffLogin(operatorEmail)
	agentA, agentB := h.addStaff(staff.RoleAgent, h.a, false), h.addStaff(staff.RoleAgent, h.b, false)
	opID, bID := h.staffUserID(operatorEmail), h.staffUserID(agentB)

	for _, id := range []string{opID, bID} {
		for _, req := range []struct {
			method, path string
			form         url.Values
		}{
			{http.MethodGet, "/staff/users/" + id, nil},
			{http.MethodPost, "/staff/users/" + id, url.Values{"name": {"x"}, "role": {"agent"}, "disabled": {"1"}}},
			{http.MethodPost, "/staff/users/" + id + "/password", url.Values{}},
			{http.MethodPost, "/staff/users/" + id + "/totp-reset", url.Values{}},
		} {
			if res := adminA.do(req.method, req.path, req.form); res.StatusCode != http.StatusNotFound {
				t.Errorf("%s %s by creditor A's admin = %d, want 404", req.method, req.path, res.StatusCode)
			}
		}
	}
	if n := h.queryInt(`SELECT count(*) FROM staff_users WHERE disabled_at IS NOT NULL OR name <> ''`); n != 0 {
		t.Error("an account out of reach was changed")
	}
	for _, id := range []string{"0", "-1", "abc", "99999999"} {
		if res := adminA.get("/staff/users/" + id); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET /staff/users/%s = %d", id, res.StatusCode)
		}
	}

	// The operator's admin works on the creditor chosen.
	if res := operator.get("/staff/users"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/staff/creditors" {
		t.Errorf("operator without a creditor = %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if res := operator.post("/staff/creditor", url.Values{"creditor": {fmt.Sprint(h.a.ID)}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("choose creditor = %d", res.StatusCode)
	}
	list := operator.get("/staff/users").html(t).testIDText("users")
	if !strings.Contains(list, agentA) || strings.Contains(list, agentB) || strings.Contains(list, operatorEmail) {
		t.Errorf("operator's list for creditor A is wrong:\n%s", list)
	}
	if res := operator.post("/staff/users", url.Values{"email": {"made.by.operator@example.org"}, "role": {"agent"}}); res.StatusCode != http.StatusOK {
		t.Fatalf("operator creates = %d", res.StatusCode)
	}
	if n := h.queryInt(`SELECT count(*) FROM staff_users WHERE email = 'made.by.operator@example.org' AND creditor_id = $1`, h.a.ID); n != 1 {
		t.Error("the operator's new account is not at the chosen creditor")
	}
	if n := h.queryInt(`SELECT count(*) FROM audit_log WHERE action = 'user.created' AND creditor_id = $1 AND staff_id = $2`, h.a.ID, opID); n != 1 {
		t.Error("the operator's creation is not in creditor A's audit log")
	}
	if res := operator.get("/staff/users/" + opID); res.StatusCode != http.StatusNotFound {
		t.Errorf("the operator's own account through creditor A = %d, want 404", res.StatusCode)
	}
}
