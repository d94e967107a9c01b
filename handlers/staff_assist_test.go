package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/settle/settle/internal/staff"
)

func TestStaffAssistMode(t *testing.T) {
	t.Parallel()
	h, sim, _ := payHarness(t)
	c := h.staffClient(staff.RoleAgent, h.a)

	// Without consent and the identity check, nothing opens.
	res := c.post(aliceURL(h, "/assist"), url.Values{"consent": {"yes"}}, "Accept-Language", "en")
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, "Confirm that you checked who is calling.") {
		t.Fatalf("assist without identity check = %d", res.StatusCode)
	}
	if c.sessionCookie() != nil {
		t.Fatal("a debtor session was opened without the checks")
	}
	res = c.post(aliceURL(h, "/assist"), url.Values{"consent": {"yes"}, "identified": {"yes"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account" {
		t.Fatalf("assist = %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	acct := c.get("/account", "Accept-Language", "en")
	if acct.StatusCode != http.StatusOK || len(acct.html(t).testID("assist-banner")) != 1 || !strings.Contains(acct.body, "R-1001") {
		t.Fatalf("assisted account = %d, banner or invoices missing", acct.StatusCode)
	}
	// What the agent does there names the agent.
	if res := c.get("/account/invoices/R-1001/pdf"); res.StatusCode != http.StatusOK {
		t.Fatalf("invoice copy in assist mode = %d", res.StatusCode)
	}
	if n := h.queryInt(`SELECT count(*) FROM interactions WHERE kind = 'invoice.copy_downloaded' AND staff_id IS NOT NULL AND actor = 'staff'`); n != 1 {
		t.Errorf("%d copies recorded as the agent's, want 1", n)
	}
	// A payment goes to the debtor's phone, never to the agent's screen.
	res = c.post("/account/payments", url.Values{"amount": {"10,00"}, "method": {"ideal"}})
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/account/payments/") || !strings.HasSuffix(loc, "?sent=1") {
		t.Fatalf("assisted payment = %d to %q, want our status page", res.StatusCode, loc)
	}
	if len(sim.Payments()) != 1 {
		t.Fatalf("%d payments at the provider", len(sim.Payments()))
	}
	var msg struct {
		Recipient string `db:"recipient"`
		Body      string `db:"body"`
	}
	if err := h.db.Get(&msg, `SELECT recipient, body FROM messages WHERE purpose = 'checkout'`); err != nil {
		t.Fatal(err)
	}
	if msg.Recipient != h.alice.Phone || !strings.Contains(msg.Body, "10,00") || !strings.Contains(msg.Body, "http") {
		t.Errorf("checkout message to %q: %q", msg.Recipient, msg.Body)
	}
	status := c.get(loc, "Accept-Language", "en")
	if !strings.Contains(status.body, "The payment page was sent to the customer") {
		t.Error("the status page does not say where the payment page went")
	}
	// The debtor's own history says that our service opened the account.
	hist := h.steppedUp(h.alice).get("/account/history", "Accept-Language", "en")
	for _, want := range []string{"Our customer service opened your account with you on the phone", "with our customer service"} {
		if !strings.Contains(hist.body, want) {
			t.Errorf("debtor history lacks %q", want)
		}
	}
	if n := h.queryInt(`SELECT count(*) FROM audit_log WHERE action IN ('assist.started', 'assist.payment_link_sent')`); n != 2 {
		t.Errorf("%d assist audit entries, want 2", n)
	}
	// Ending assist mode ends the debtor session; the staff session stays.
	if res := c.post("/logout", nil); res.Header.Get("Location") != aliceURL(h, "") {
		t.Errorf("ending assist mode goes to %q, want the debtor view", res.Header.Get("Location"))
	}
	if res := c.get("/account"); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("account after ending assist mode = %d, want 401", res.StatusCode)
	}
	if res := c.get("/staff"); res.StatusCode != http.StatusOK {
		t.Errorf("staff home after ending assist mode = %d", res.StatusCode)
	}
}
