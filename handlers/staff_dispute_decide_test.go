package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/settle/settle/internal/disputes"
	"github.com/settle/settle/internal/i18n"
	"github.com/settle/settle/internal/portal"
)

// openDispute has alice dispute R-1001 with a message and returns its
// public id and staff URL.
func openDispute(t *testing.T, h *harness) (*tclient, string, int64) {
	t.Helper()
	c := h.steppedUp(h.alice)
	id := disputeOf(t, c.postFiles("/account/invoices/R-1001/disputes", url.Values{"reason": {"wrong_amount"},
		"message": {"Zu hoch."}}, nil))
	return c, id, h.disputeByPublicID(id).ID
}

// Accepting part of a dispute books a credit note of exactly that
// amount: the invoice's open amount drops by it, the statement shows
// it, the creditor gets dispute.resolved and the debtor a message.
func TestStaffDisputeAcceptPartial(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c, id, dbID := openDispute(t, h)
	staffURL := staffDisputePath(dbID, "")
	openBefore := h.queryInt(`SELECT sum(amount_minor) FROM ledger_entries WHERE invoice_id = $1`, h.invoices[h.alice.ID]["R-1001"].ID)
	arc := h.staffClient("ar", h.a)
	page := arc.get(staffURL, "Accept-Language", "en").html(t)
	if len(page.testID("accept-form")) != 1 || !strings.Contains(page.text(), h.en().T("staff.disputes_decide.accept_button")) {
		t.Fatal("no accept form for AR staff")
	}
	// Invalid: more than is open; the input is kept.
	bad := arc.post(staffURL+"/accept", url.Values{"amount": {"999999,00"}})
	if bad.StatusCode != http.StatusUnprocessableEntity || bad.html(t).testIDText("error-amount") != h.de().T("error.staff.disputes_decide.amount") ||
		!strings.Contains(bad.body, `value="999999,00"`) {
		t.Fatalf("too much = %d: %.300s", bad.StatusCode, bad.html(t).testIDText("error-amount"))
	}
	res := arc.post(staffURL+"/accept", url.Values{"amount": {"12,34"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != staffURL+"?done=accepted" {
		t.Fatalf("accept = %d to %q: %.500s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	openAfter := h.queryInt(`SELECT sum(amount_minor) FROM ledger_entries WHERE invoice_id = $1`, h.invoices[h.alice.ID]["R-1001"].ID)
	if openBefore-openAfter != 1234 {
		t.Errorf("open went from %d to %d", openBefore, openAfter)
	}
	if st := h.queryString(`SELECT status FROM disputes WHERE public_id = $1`, id); st != "accepted" {
		t.Errorf("status %s", st)
	}
	if n := h.queryInt(`SELECT count(*) FROM credit_notes WHERE number = $1 AND amount_minor = 1234`, "GS-"+id); n != 1 {
		t.Errorf("%d credit notes", n)
	}
	if n := h.queryInt(`SELECT count(*) FROM events WHERE type = 'dispute.resolved' AND data->>'outcome' = 'accepted'
		AND (data->>'amount_minor')::int = 1234 AND data->>'credit_note' = $1 AND data->>'invoice_number' = 'R-1001'`, "GS-"+id); n != 1 {
		t.Errorf("%d dispute.resolved events", n)
	}
	if n := h.queryInt(`SELECT count(*) FROM audit_log WHERE action = 'dispute.accepted' AND subject = $1`, id); n != 1 {
		t.Errorf("%d audit entries", n)
	}
	if n := h.queryInt(`SELECT count(*) FROM staff_tasks WHERE kind = 'dispute' AND subject_id = $1 AND done_at IS NULL`, dbID); n != 0 {
		t.Errorf("%d open tasks", n)
	}
	msgs, err := h.st.Messages(h.ctx, h.a.ID, h.alice.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, m := range msgs {
		found = found || m.Subject == h.de().T("message.dispute.accepted.subject", "Number", "R-1001")
	}
	if !found {
		t.Error("no message to the debtor")
	}
	credit := false
	for _, n := range c.get("/account/statement").html(t).testID("statement-line") {
		line := (&htmlDoc{root: n}).text()
		credit = credit || (strings.Contains(line, h.de().T("ledger.credit_note")) && strings.Contains(line, "R-1001") &&
			strings.Contains(line, norm(h.de().Money(-1234, "EUR"))))
	}
	if !credit {
		t.Error("the statement lacks the credit note")
	}
	for _, loc := range []*i18n.Locale{h.de(), h.en()} {
		want := norm(loc.T("page.dispute_decide.credit_note", "Number", "GS-"+id, "Amount", loc.Money(1234, "EUR")))
		if got := c.get(disputePath(id, ""), "Accept-Language", loc.Lang).html(t).testIDText("credit-note"); got != want {
			t.Errorf("%s: the debtor reads %q, want %q", loc.Lang, got, want)
		}
	}
	hist := c.get("/account/history").html(t)
	if !strings.Contains(hist.text(), norm(h.de().T("history.dispute.accepted", "Number", "R-1001", "Amount", h.de().Money(1234, "EUR")))) {
		t.Error("the history lacks the decision")
	}
	// Decided: no more decisions.
	if res := arc.post(staffURL+"/reject", url.Values{"reason": {"Doch nicht."}}, "Accept-Language", "en"); res.StatusCode != http.StatusConflict ||
		!strings.Contains(res.body, h.en().T("error.staff.disputes_decide.decided")) {
		t.Errorf("reject after accept = %d", res.StatusCode)
	}
	if res := arc.post(staffURL+"/accept", url.Values{"amount": {"1"}}); res.StatusCode != http.StatusConflict ||
		!strings.Contains(res.body, h.de().T("error.staff.disputes_decide.decided")) {
		t.Errorf("accept twice = %d", res.StatusCode)
	}
}

// Rejecting needs a reason, which the debtor then reads; the hold ends.
func TestStaffDisputeReject(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c, id, dbID := openDispute(t, h)
	staffURL := staffDisputePath(dbID, "")
	arc := h.staffClient("admin", h.a)
	inv := h.invoices[h.alice.ID]["R-1001"].ID
	if held, err := h.st.DisputedMinor(h.ctx, h.a.ID, inv); err != nil || held == 0 {
		t.Fatalf("held %d, %v", held, err)
	}
	empty := arc.post(staffURL+"/reject", url.Values{"reason": {"  "}}, "Accept-Language", "en")
	if empty.StatusCode != http.StatusUnprocessableEntity || empty.html(t).testIDText("error-reason") != h.en().T("error.staff.disputes_decide.note_empty") {
		t.Errorf("empty reason = %d", empty.StatusCode)
	}
	long := strings.Repeat("x", 1001)
	if res := arc.post(staffURL+"/reject", url.Values{"reason": {long}}); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, long) {
		t.Errorf("long reason = %d", res.StatusCode)
	}
	reason := "Der Zählerstand <b>stimmt</b> laut Ablesung."
	if res := arc.post(staffURL+"/reject", url.Values{"reason": {reason}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("reject = %d: %.300s", res.StatusCode, res.body)
	}
	if held, err := h.st.DisputedMinor(h.ctx, h.a.ID, inv); err != nil || held != 0 {
		t.Errorf("still held %d, %v", held, err)
	}
	page := c.get(disputePath(id, ""))
	if strings.Contains(page.body, "<b>stimmt") || strings.Contains(arc.get(staffURL).body, "<b>stimmt") {
		t.Error("the reason is not escaped")
	}
	h.wantMessage(h.de().T("message.dispute.rejected.subject", "Number", "R-1001"), reason)
	doc := page.html(t)
	if got := doc.testIDText("decision-note"); got != norm(h.de().T("page.dispute.staff_note", "Note", reason)) {
		t.Errorf("the debtor reads %q", got)
	}
	if n := h.queryInt(`SELECT count(*) FROM events WHERE type = 'dispute.resolved' AND data->>'outcome' = 'rejected'`); n != 1 {
		t.Errorf("%d rejected events", n)
	}
	if n := h.queryInt(`SELECT count(*) FROM interactions WHERE kind = 'dispute.rejected' AND visibility = 'customer'`); n != 1 {
		t.Errorf("%d timeline entries", n)
	}
}

// Asking for more information waits for the debtor, whose answer
// reopens the dispute. Agents may not decide; another creditor's
// dispute is not found.
func TestStaffDisputeAskAndAccess(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c, id, dbID := openDispute(t, h)
	staffURL := staffDisputePath(dbID, "")
	agent := h.staffClient("agent", h.a)
	for _, p := range []string{"/accept", "/reject", "/ask"} {
		if res := agent.post(staffURL+p, url.Values{"amount": {"1"}, "reason": {"x"}, "question": {"x"}}); res.StatusCode != http.StatusForbidden {
			t.Errorf("agent %s = %d", p, res.StatusCode)
		}
	}
	if len(agent.get(staffURL).html(t).testID("dispute-decision")) != 0 {
		t.Error("an agent sees the decision forms")
	}
	other := h.staffClient("ar", h.b)
	if res := other.post(staffURL+"/accept", url.Values{"amount": {"1"}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("other creditor = %d", res.StatusCode)
	}
	arc := h.staffClient("ar", h.a)
	if res := arc.post(staffURL+"/ask", url.Values{"question": {""}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("empty question = %d", res.StatusCode)
	}
	if res := arc.post(staffURL+"/ask", url.Values{"question": {"Bitte senden Sie ein Foto des Zählers."}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("ask = %d", res.StatusCode)
	}
	if st := h.queryString(`SELECT status FROM disputes WHERE public_id = $1`, id); st != "info_requested" {
		t.Errorf("status %s", st)
	}
	h.wantMessage(h.de().T("message.dispute.info_requested.subject", "Number", "R-1001"), "Bitte senden Sie ein Foto des Zählers.")
	if !strings.Contains(c.get(disputePath(id, "")).body, "Bitte senden Sie ein Foto des Zählers.") {
		t.Error("the debtor does not see the question")
	}
	if res := c.postFiles(disputePath(id, "/messages"), url.Values{"message": {"Anbei."}}, nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("answer = %d", res.StatusCode)
	}
	if st := h.queryString(`SELECT status FROM disputes WHERE public_id = $1`, id); st != "open" {
		t.Errorf("after the answer: %s", st)
	}
}

// The decisions' messages and timeline texts exist in every language.
func TestDisputeDecisionTextsTranslated(t *testing.T) {
	cat := i18n.MustLoad()
	var keys []string
	for _, n := range []string{"dispute.accepted", "dispute.rejected", "dispute.info_requested"} {
		keys = append(keys, portal.NotifyKeys(n)...)
	}
	for _, k := range []string{disputes.KindAccepted, disputes.KindRejected, disputes.KindInfoRequested} {
		keys = append(keys, "history."+k, "staff.timeline."+k, "audit."+k)
	}
	for _, key := range keys {
		for _, l := range i18n.Languages {
			if !cat.Locale(l).Has(key) {
				t.Errorf("%s: no %q", l, key)
			}
		}
	}
}

// wantMessage checks that alice got a message with this subject whose
// body says text.
func (h *harness) wantMessage(subject, text string) {
	h.t.Helper()
	msgs, err := h.st.Messages(h.ctx, h.a.ID, h.alice.ID, 20)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, m := range msgs {
		if m.Subject == subject && strings.Contains(m.Body, text) {
			return
		}
	}
	h.t.Errorf("no message %q saying %q", subject, text)
}
