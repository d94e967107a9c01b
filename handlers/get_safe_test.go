package handlers

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/settle/settle/internal/staff"
)

// businessTables are where a request changes what the product knows:
// money, cases, messages, events, work. A GET may write a session's
// last use, a rate-limit hit, the audit of a download or a timeline
// entry about it, but never any of these.
var businessTables = []string{"invoices", "ledger_entries", "payments", "credit_notes", "disputes", "dispute_messages",
	"dispute_attachments", "promises", "payment_plans", "plan_instalments", "mandates", "messages", "events",
	"dunning_actions", "dunning_policies", "dunning_settings", "staff_tasks", "staff_users", "api_keys",
	"webhook_endpoints", "debtors", "creditors", "jobs"}

// fingerprint is every business table's row count and, where the table
// has one, its newest updated_at.
func (h *harness) fingerprint(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for _, table := range businessTables {
		var n int
		if err := h.db.Get(&n, `SELECT count(*) FROM `+table); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		fmt.Fprintf(&b, "%s=%d ", table, n)
		var hasUpdated bool
		if err := h.db.Get(&hasUpdated, `SELECT EXISTS (SELECT 1 FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = $1 AND column_name = 'updated_at')`, table); err != nil {
			t.Fatal(err)
		}
		if hasUpdated {
			var at string
			if err := h.db.Get(&at, `SELECT COALESCE(max(updated_at)::text, '') FROM `+table); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%s.updated=%s ", table, at)
		}
	}
	return b.String()
}

// No GET changes business state: every GET route of the router, walked
// with a client that may use it (the stepped-up debtor, an admin, the
// API key), leaves every business table as it was.
func TestNoStateChangingGET(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	vals := h.routeValues()
	vals["id"] = alicePayment
	debtor := h.steppedUp(h.alice)
	admin := h.staffClient(staff.RoleAdmin, h.a)
	key := h.apiKey(h.a)
	anon := h.client()
	gets := 0
	for _, rt := range h.srv.Routes() {
		method, path := splitPattern(rt.Pattern)
		if method != http.MethodGet || path == "/" {
			continue
		}
		gets++
		u, err := fillPath(path, vals)
		if err != nil {
			t.Fatalf("%s: %v", rt.Pattern, err)
		}
		before := h.fingerprint(t)
		status := 0
		switch {
		case strings.HasPrefix(path, "/api/"):
			status = h.call("GET", u, key, "").status
		case strings.HasPrefix(path, "/staff/"):
			status = admin.get(u).StatusCode
		case strings.HasPrefix(path, "/account"):
			status = debtor.get(u).StatusCode
		default:
			status = anon.get(u).StatusCode
		}
		if status >= 500 {
			t.Errorf("GET %s = %d", u, status)
		}
		if after := h.fingerprint(t); after != before {
			t.Errorf("GET %s (%d) changed business state:\n before %s\n after  %s", u, status, before, after)
		}
	}
	if gets < 50 {
		t.Errorf("only %d GET routes walked", gets)
	}
}
