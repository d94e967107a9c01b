package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/settle/settle/internal/staff"
)

// auditRows are the actions of the audit page's rows, in order.
func auditRows(t *testing.T, res *tresp) []string {
	t.Helper()
	var out []string
	for _, n := range res.html(t).all(func(n *htmlNode) bool { _, ok := attr(n, "data-action"); return ok }) {
		v, _ := attr(n, "data-action")
		out = append(out, v)
	}
	return out
}

func TestStaffAuditLog(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	adminEmail := h.addStaff(staff.RoleAdmin, h.a, false)
	admin := h.client()
	admin.staffLogin(adminEmail) // session.login
	agentEmail := h.addStaff(staff.RoleAgent, h.a, false)
	h.client().post("/staff/login", url.Values{"email": {agentEmail}, "password": {"wrong password"}}) // session.login_failed
	admin.post("/staff/users/"+h.staffUserID(agentEmail), url.Values{"name": {"Anna Agent"}, "role": {"ar"}})
	// The command line (no staff member), an action this page does not
	// know, markup in a subject and a value, another creditor's entry,
	// and one at a known time.
	const xss = `<script>alert(1)</script>`
	if err := h.st.AddAudit(h.ctx, nil, &h.a.ID, "user.created", "cli@example.org", nil, map[string]any{"by": "cli"}); err != nil {
		t.Fatal(err)
	}
	if err := h.st.AddAudit(h.ctx, nil, &h.a.ID, "frobnicate.done", xss, nil, map[string]any{"name": `"><img src=x onerror=alert(1)>`}); err != nil {
		t.Fatal(err)
	}
	bEmail := h.addStaff(staff.RoleAdmin, h.b, false)
	h.client().staffLogin(bEmail)
	if _, err := h.db.Exec(`INSERT INTO audit_log (creditor_id, action, subject, at) VALUES ($1, 'session.logout', 'summer@example.org', '2026-07-01 10:00:00Z')`, h.a.ID); err != nil {
		t.Fatal(err)
	}

	en := admin.get("/staff/audit", "Accept-Language", "en")
	if en.StatusCode != http.StatusOK {
		t.Fatalf("audit page = %d", en.StatusCode)
	}
	table := en.html(t).testIDText("audit")
	for _, want := range []string{
		"Signed in", "Sign-in failed", "Account changed", "Account created", "frobnicate.done", "Signed out",
		adminEmail, agentEmail, "System / command line", "cli@example.org",
		"role: agent → ar", "name: – → Anna Agent", "via: cli",
		xss,                // as text
		"1 Jul 2026 12:00", // 10:00 UTC in Berlin's summer time
	} {
		if !contains(table, want) {
			t.Errorf("the audit page lacks %q:\n%s", want, table)
		}
	}
	for _, raw := range []string{xss, "<img"} {
		if strings.Contains(en.body, raw) {
			t.Errorf("raw %q in the page", raw)
		}
	}
	if n := len(en.html(t).tag("img")); n != 0 {
		t.Errorf("%d <img> elements on the page", n)
	}
	if strings.Contains(table, bEmail) || len(auditRows(t, en)) != 6 {
		t.Errorf("the page shows %d entries (want creditor A's 6), or creditor B's:\n%s", len(auditRows(t, en)), table)
	}
	if rows := auditRows(t, en); len(rows) < 2 || rows[1] != "frobnicate.done" || rows[len(rows)-1] != "session.login" {
		t.Errorf("not newest first: %v", rows)
	}
	de := admin.get("/staff/audit", "Accept-Language", "de").html(t).testIDText("audit")
	for _, want := range []string{"Angemeldet", "Anmeldung fehlgeschlagen", "Konto geändert", "Konto angelegt",
		"Rolle: agent → ar", "System / Kommandozeile", "01.07.2026 12:00"} {
		if !contains(de, want) {
			t.Errorf("the German audit page lacks %q:\n%s", want, de)
		}
	}

	// Filters: by kind of action, by staff member, both.
	for _, c := range []struct {
		query string
		want  []string
	}{
		{"?action=session.", []string{"session.logout", "session.login_failed", "session.login"}},
		{"?action=user.", []string{"user.created", "user.updated"}},
		{"?action=session.login_failed", []string{"session.login_failed"}},
		{"?staff=" + h.staffUserID(agentEmail), []string{"session.login_failed"}},
		{"?staff=" + h.staffUserID(adminEmail) + "&action=user.", []string{"user.updated"}},
		{"?staff=" + h.staffUserID(bEmail), nil},
	} {
		res := admin.get("/staff/audit"+c.query, "Accept-Language", "en")
		if got := auditRows(t, res); strings.Join(got, " ") != strings.Join(c.want, " ") {
			t.Errorf("%s: rows %v, want %v", c.query, got, c.want)
		}
	}
	filter := admin.get("/staff/audit?action=session.", "Accept-Language", "en").html(t).testIDText("audit-filter")
	for _, want := range []string{"Sign-ins and sign-outs", "Staff accounts", "frobnicate", adminEmail, agentEmail} {
		if !contains(filter, want) {
			t.Errorf("the filter lacks %q: %s", want, filter)
		}
	}
	if strings.Contains(filter, bEmail) {
		t.Error("the staff filter offers creditor B's admin")
	}
}

func TestStaffAuditPaging(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin := h.staffClient(staff.RoleAdmin, h.a) // one session.login
	for i := 0; i < 60; i++ {
		if err := h.st.AddAudit(h.ctx, nil, &h.a.ID, "user.updated", fmt.Sprintf("u%02d@example.org", i), nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	first := admin.get("/staff/audit?action=user.")
	if n := len(auditRows(t, first)); n != 50 {
		t.Fatalf("first page has %d rows, want 50", n)
	}
	table := first.html(t).testIDText("audit")
	if !strings.Contains(table, "u59@example.org") || strings.Contains(table, "u09@example.org") {
		t.Error("the first page does not hold the newest 50")
	}
	older := first.html(t).testID("older")
	if len(older) != 1 {
		t.Fatal("no link to older entries")
	}
	href, _ := attr(older[0], "href")
	if !strings.Contains(href, "action=user.") || !strings.Contains(href, "before=") {
		t.Errorf("older link %q loses the filter or the cursor", href)
	}
	second := admin.get(href)
	rows := second.html(t).testIDText("audit")
	if n := len(auditRows(t, second)); n != 10 || !strings.Contains(rows, "u09@example.org") || !strings.Contains(rows, "u00@example.org") ||
		strings.Contains(rows, "u10@example.org") {
		t.Errorf("second page has %d rows:\n%s", n, rows)
	}
	if len(second.html(t).testID("older")) != 0 {
		t.Error("the last page links to older entries")
	}
	if res := admin.get("/staff/audit?before=abc&staff=x&action=" + strings.Repeat("x", 100)); res.StatusCode != http.StatusOK {
		t.Errorf("bad filter values = %d, want the page", res.StatusCode)
	}
}
