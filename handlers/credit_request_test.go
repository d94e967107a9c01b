package handlers

// Issue 9: credit requests (a kind of dispute case) and withdrawing a case.

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/disputes"
	"github.com/settle/settle/internal/i18n"
	"github.com/settle/settle/internal/portal"
	"github.com/settle/settle/internal/staff"
)

// requestCredit has c ask for a credit note and returns the case's public
// id (the POST must succeed).
func requestCredit(t *testing.T, c *tclient, fields url.Values) string {
	t.Helper()
	res := c.postFiles("/account/credit-requests", fields, nil)
	if !strings.Contains(res.Header.Get("Location"), "?done=credit_opened") {
		t.Fatalf("credit request = %d to %q: %.1500s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	return disputeOf(t, res)
}

// The form offers every invoice (the paid one too, preselected from the
// invoice page's link); what is wrong is said beside each field in the
// reader's language, everything typed is kept, and nothing is stored.
func TestCreditRequestValidation(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.steppedUp(h.alice)

	inv := c.get("/account/invoices/R-1003", "Accept-Language", "en").html(t)
	if len(inv.testID("credit-request-link")) != 1 {
		t.Fatal("no credit request link on the invoice page")
	}
	if acc := c.get("/account", "Accept-Language", "en").html(t); len(acc.testID("credit-request-link")) != 1 {
		t.Fatal("no credit request link on the account page")
	}
	form := c.get("/account/credit-request?invoice=R-1003", "Accept-Language", "en")
	if form.StatusCode != http.StatusOK || !strings.Contains(form.body, `<option value="R-1003" selected`) ||
		!strings.Contains(form.body, `value="R-1001"`) || len(form.html(t).testID("credit-reason")) != 3 {
		t.Fatalf("form = %d: %.2000s", form.StatusCode, form.body)
	}

	for _, lang := range []string{"en", "de"} {
		loc := h.cat.Locale(lang)
		// Nothing chosen, no message, an amount in no known form.
		res := c.postFiles("/account/credit-requests", url.Values{"invoice": {""}, "message": {""}, "amount": {"zwölf"}},
			nil, "Accept-Language", lang)
		page := res.html(t)
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("%s: empty form = %d", lang, res.StatusCode)
		}
		for field, key := range map[string]string{"invoice": "error.credit_request.invoice", "reason": "error.credit_request.reason",
			"message": "error.credit_request.message_needed", "amount": "error.credit_request.amount_format"} {
			if got := page.testIDText("error-" + field); got != loc.T(key) {
				t.Errorf("%s: error-%s = %q, want %q", lang, field, got, loc.T(key))
			}
		}
		if !strings.Contains(res.body, `value="zwölf"`) {
			t.Errorf("%s: the amount typed is lost", lang)
		}
		// More than the invoice's total; another debtor's invoice is
		// refused like none. The message and choices are kept.
		res = c.postFiles("/account/credit-requests", url.Values{"invoice": {"R-1003"}, "reason": {"outage"},
			"message": {"Kein Internet vom 3. bis 7. Mai."}, "amount": {"5000"}}, nil, "Accept-Language", lang)
		page = res.html(t)
		want := loc.T("error.credit_request.amount", localArgs(loc, map[string]any{"Total": ar.Money{Minor: h.invoices[h.alice.ID]["R-1003"].TotalMinor, Currency: "EUR"}})...)
		if res.StatusCode != http.StatusUnprocessableEntity || page.testIDText("error-amount") != spaced(want) {
			t.Errorf("%s: too much = %d, %q want %q", lang, res.StatusCode, page.testIDText("error-amount"), want)
		}
		if !strings.Contains(res.body, "Kein Internet vom 3. bis 7. Mai.</textarea>") || !strings.Contains(res.body, `<option value="R-1003" selected`) ||
			!strings.Contains(res.body, `value="outage" checked`) {
			t.Errorf("%s: input not kept", lang)
		}
		res = c.postFiles("/account/credit-requests", url.Values{"invoice": {"R-2001"}, "reason": {"goodwill"},
			"message": {"Bitte."}}, nil, "Accept-Language", lang)
		if res.StatusCode != http.StatusUnprocessableEntity || res.html(t).testIDText("error-invoice") != loc.T("error.credit_request.invoice") {
			t.Errorf("%s: bob's invoice = %d", lang, res.StatusCode)
		}
		if strings.Contains(res.body, "Bobs") {
			t.Errorf("%s: bob's data on the page", lang)
		}
	}
	if n := h.queryInt(`SELECT count(*) FROM disputes WHERE kind = 'credit_request'`); n != 0 {
		t.Errorf("%d credit requests stored from refused forms", n)
	}
}

// A credit request holds nothing out of dunning, does not stop a dispute
// of the same invoice (both can be live), and a second request on the
// same invoice points to the first. It is in the staff queue, the
// debtor's list (with its kind) and history, and the creditor hears of
// it once.
func TestCreditRequestNoHold(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.steppedUp(h.alice)
	inv := h.invoices[h.alice.ID]["R-1001"]
	id := requestCredit(t, c, url.Values{"invoice": {"R-1001"}, "reason": {"outage"},
		"message": {"Kein Internet vom 3. bis 7. Mai."}, "amount": {"20,00"}})
	d := h.disputeByPublicID(id)
	if d.Kind != ar.CaseCreditRequest || d.DisputedMinor != 0 || d.RequestedMinor == nil || *d.RequestedMinor != 2000 {
		t.Fatalf("stored %+v", d)
	}
	if held, err := h.st.HeldByDispute(h.ctx, h.a.ID, inv.ID); err != nil || held {
		t.Errorf("a credit request holds the invoice: %v %v", held, err)
	}
	if m, err := h.st.DisputedMinor(h.ctx, h.a.ID, inv.ID); err != nil || m != 0 {
		t.Errorf("held %d %v", m, err)
	}
	if acc := c.get("/account").html(t); len(acc.testID("disputed")) != 0 {
		t.Error("the dashboard marks the invoice disputed")
	}
	page := c.get(disputePath(id, "?done=credit_opened"), "Accept-Language", "en").html(t)
	if page.testIDText("dispute-notice") != h.en().T("page.credit_request.notice.opened") || len(page.testID("dispute-held")) != 0 ||
		!strings.Contains(page.testIDText("credit-requested"), "20.00") {
		t.Errorf("request page: %q", page.text())
	}
	if n := h.queryInt(`SELECT count(*) FROM staff_tasks WHERE kind = 'dispute' AND subject_id = $1 AND done_at IS NULL`, d.ID); n != 1 {
		t.Errorf("%d open tasks", n)
	}
	if n := h.queryInt(`SELECT count(*) FROM events WHERE type = 'dispute.opened' AND data->>'kind' = 'credit_request'
		AND data->>'dispute' = $1 AND (data->>'disputed_minor')::int = 0`, id); n != 1 {
		t.Errorf("%d dispute.opened events", n)
	}
	// A dispute of the same invoice is still possible, and holds as usual.
	if res := c.get("/account/invoices/R-1001/dispute"); res.StatusCode != http.StatusOK {
		t.Fatalf("dispute form beside a credit request = %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	dsp := disputeOf(t, c.postFiles("/account/invoices/R-1001/disputes", url.Values{"reason": {"wrong_amount"}, "message": {"Zu hoch."}}, nil))
	if held, _ := h.st.HeldByDispute(h.ctx, h.a.ID, inv.ID); !held {
		t.Error("the dispute beside the credit request holds nothing")
	}
	// A second request on the invoice: refused, with the way to the first.
	res := c.postFiles("/account/credit-requests", url.Values{"invoice": {"R-1001"}, "reason": {"goodwill"}, "message": {"Noch einmal."}},
		nil, "Accept-Language", "en")
	if res.StatusCode != http.StatusConflict || res.html(t).testIDText("form-error") == "" ||
		!strings.Contains(res.body, disputePath(id, "")) || !strings.Contains(res.body, "Noch einmal.") {
		t.Errorf("second request = %d: %.1500s", res.StatusCode, res.body)
	}
	// The list shows both, each with its kind; staff see the kind.
	list := c.get("/account/disputes", "Accept-Language", "en").html(t)
	kinds := map[string]bool{}
	for _, n := range list.testID("case-kind") {
		v, _ := attr(n, "data-kind")
		kinds[v] = true
	}
	if !kinds["dispute"] || !kinds["credit_request"] || !strings.Contains(list.text(), h.en().T("page.credit_request.kind.credit_request")) {
		t.Errorf("list kinds %v", kinds)
	}
	sp := h.staffClient(staff.RoleAR, h.a).get(staffDisputePath(d.ID, ""), "Accept-Language", "de").html(t)
	if sp.testIDText("case-kind") != h.de().T("page.credit_request.kind.credit_request") ||
		sp.testIDText("dispute-held") != h.de().T("staff.credit_requests.no_hold") {
		t.Errorf("staff view: kind %q, held %q", sp.testIDText("case-kind"), sp.testIDText("dispute-held"))
	}
	labels := map[string]int{}
	for _, n := range h.staffClient(staff.RoleAR, h.a).get("/staff/queues?kind=dispute", "Accept-Language", "de").html(t).testID("task-subject") {
		labels[spaced(textOf(n))]++
	}
	if labels[h.de().T("staff.credit_requests.queue_kind")] != 1 || labels[h.de().T("staff.queues.kind.dispute")] != 1 {
		t.Errorf("queue labels %v", labels)
	}
	hist := c.get("/account/history?kind=disputes", "Accept-Language", "en").html(t).text()
	if !strings.Contains(hist, h.en().T("history.credit_request.opened", "Number", "R-1001")) {
		t.Errorf("history: %s", hist)
	}
	_ = dsp
}

// Accepting a credit request on a paid invoice books the whole credit
// note on the account: the invoice stays at zero, the account shows the
// credit balance. On a partly paid invoice, what is open is reduced
// first and the rest goes to the account.
func TestCreditRequestAcceptLeavesCredit(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.steppedUp(h.alice)
	arc := h.staffClient(staff.RoleAR, h.a)
	paid := h.invoices[h.alice.ID]["R-1003"]
	id := requestCredit(t, c, url.Values{"invoice": {"R-1003"}, "reason": {"goodwill"}, "message": {"Umzug, bitte Kulanz."},
		"amount": {"15,00"}})
	d := h.disputeByPublicID(id)
	staffURL := staffDisputePath(d.ID, "")
	if page := arc.get(staffURL).html(t); !strings.Contains(page.text(), "15,00") {
		t.Error("the accept form does not offer the amount asked for")
	}
	bad := arc.post(staffURL+"/accept", url.Values{"amount": {"9999,00"}})
	if bad.StatusCode != http.StatusUnprocessableEntity || bad.html(t).testIDText("error-amount") != h.de().T("error.staff.credit_requests.amount") ||
		!strings.Contains(bad.body, `value="9999,00"`) {
		t.Fatalf("more than the invoice = %d: %q", bad.StatusCode, bad.html(t).testIDText("error-amount"))
	}
	if res := arc.post(staffURL+"/accept", url.Values{"amount": {"15,00"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("accept = %d: %.800s", res.StatusCode, res.body)
	}
	if open := h.queryInt(`SELECT sum(amount_minor) FROM ledger_entries WHERE invoice_id = $1`, paid.ID); open != 0 {
		t.Errorf("paid invoice now has %d open", open)
	}
	if n := h.queryInt(`SELECT count(*) FROM ledger_entries WHERE debtor_id = $1 AND invoice_id IS NULL AND kind = 'credit_note'
		AND amount_minor = -1500 AND reference = $2`, h.alice.ID, "GS-"+id); n != 1 {
		t.Errorf("%d credit entries on the account", n)
	}
	if n := h.queryInt(`SELECT count(*) FROM credit_notes WHERE number = $1 AND amount_minor = 1500 AND invoice_id = $2`, "GS-"+id, paid.ID); n != 1 {
		t.Errorf("%d credit notes", n)
	}
	for _, lang := range []string{"de", "en"} {
		loc := h.cat.Locale(lang)
		acc := c.get("/account", "Accept-Language", lang).html(t)
		want := loc.T("page.credit_request.account_credit", "Amount", loc.Money(1500, "EUR"))
		if acc.testIDText("account-credit") != spaced(want) {
			t.Errorf("%s: account credit %q, want %q", lang, acc.testIDText("account-credit"), want)
		}
	}
	page := c.get(disputePath(id, ""), "Accept-Language", "en").html(t)
	if page.testIDText("credit-on-account") != spaced(h.en().T("page.credit_request.on_account", "Amount", h.en().Money(1500, "EUR"))) ||
		len(page.testID("withdraw")) != 0 {
		t.Errorf("decided request page: %q", page.text())
	}
	if n := h.queryInt(`SELECT count(*) FROM events WHERE type = 'dispute.resolved' AND data->>'kind' = 'credit_request'
		AND data->>'outcome' = 'accepted' AND (data->>'on_account_minor')::int = 1500`); n != 1 {
		t.Errorf("%d dispute.resolved events", n)
	}
	if n := h.queryInt(`SELECT count(*) FROM audit_log WHERE action = 'credit_request.accepted' AND subject = $1`, id); n != 1 {
		t.Errorf("%d audit entries", n)
	}
	h.wantMessage(h.de().T("message.credit_request.accepted.subject", "Number", "R-1003"), "GS-"+id)

	// R-1002 has 50,00 paid: a credit of 60,00 closes what is open and
	// leaves the rest on the account.
	part := h.invoices[h.alice.ID]["R-1002"]
	id2 := requestCredit(t, c, url.Values{"invoice": {"R-1002"}, "reason": {"outage"}, "message": {"Störung im Dezember."}})
	if res := arc.post(staffDisputePath(h.disputeByPublicID(id2).ID, "/accept"), url.Values{"amount": {"60,00"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("accept = %d", res.StatusCode)
	}
	rest := 6000 - part.OpenMinor
	if open := h.queryInt(`SELECT sum(amount_minor) FROM ledger_entries WHERE invoice_id = $1`, part.ID); open != 0 {
		t.Errorf("R-1002 now has %d open", open)
	}
	credit, err := h.st.AccountCredit(h.ctx, h.a.ID, h.alice.ID, "EUR")
	if err != nil || credit != 1500+rest {
		t.Errorf("account credit %d (%v), want %d", credit, err, 1500+rest)
	}
}

// Another debtor's case is not found: its page and its withdrawal.
func TestCreditRequestScoping(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	id := requestCredit(t, h.steppedUp(h.alice), url.Values{"invoice": {"R-1001"}, "reason": {"outage"}, "message": {"Ausfall."}})
	bob := h.steppedUp(h.bob)
	if res := bob.get(disputePath(id, "")); res.StatusCode != http.StatusNotFound || strings.Contains(res.body, "Ausfall.") {
		t.Errorf("bob sees alice's request: %d", res.StatusCode)
	}
	if res := bob.post(disputePath(id, "/withdraw"), url.Values{}); res.StatusCode != http.StatusNotFound {
		t.Errorf("bob withdraws alice's request: %d", res.StatusCode)
	}
	if st := h.queryString(`SELECT status FROM disputes WHERE public_id = $1`, id); st != "open" {
		t.Errorf("status %s", st)
	}
}

// Withdrawing a dispute ends the hold, closes the task, shows on both
// timelines and tells the creditor once; a second withdrawal says the
// case is closed and changes nothing.
func TestDisputeWithdraw(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c, id, dbID := openDispute(t, h)
	inv := h.invoices[h.alice.ID]["R-1001"]
	page := c.get(disputePath(id, ""), "Accept-Language", "en").html(t)
	if len(page.testID("withdraw-form")) != 1 {
		t.Fatal("no withdraw form on a live dispute")
	}
	res := c.post(disputePath(id, "/withdraw"), url.Values{})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != disputePath(id, "?done=withdrawn") {
		t.Fatalf("withdraw = %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if st := h.queryString(`SELECT status FROM disputes WHERE public_id = $1`, id); st != "withdrawn" {
		t.Errorf("status %s", st)
	}
	if held, _ := h.st.HeldByDispute(h.ctx, h.a.ID, inv.ID); held {
		t.Error("still held")
	}
	if n := h.queryInt(`SELECT count(*) FROM staff_tasks WHERE kind = 'dispute' AND subject_id = $1 AND done_at IS NULL`, dbID); n != 0 {
		t.Errorf("%d open tasks", n)
	}
	if n := h.queryInt(`SELECT count(*) FROM interactions WHERE kind = 'dispute.withdrawn' AND visibility = 'customer'
		AND debtor_id = $1 AND actor = 'debtor'`, h.alice.ID); n != 1 {
		t.Errorf("%d timeline entries", n)
	}
	for _, lang := range []string{"en", "de"} {
		loc := h.cat.Locale(lang)
		again := c.post(disputePath(id, "/withdraw"), url.Values{})
		if again.StatusCode != http.StatusSeeOther || again.Header.Get("Location") != disputePath(id, "?done=withdraw_closed") {
			t.Fatalf("second withdraw = %d to %q", again.StatusCode, again.Header.Get("Location"))
		}
		p := c.get(again.Header.Get("Location"), "Accept-Language", lang).html(t)
		if p.testIDText("dispute-notice") != loc.T("error.credit_request.withdraw_closed") || len(p.testID("withdraw-form")) != 0 {
			t.Errorf("%s: after the second withdraw: %q", lang, p.testIDText("dispute-notice"))
		}
	}
	if n := h.queryInt(`SELECT count(*) FROM events WHERE type = 'dispute.resolved' AND data->>'outcome' = 'withdrawn'
		AND data->>'dispute' = $1 AND data->>'kind' = 'dispute'`, id); n != 1 {
		t.Errorf("%d dispute.resolved events, want 1", n)
	}
	hist := c.get("/account/history", "Accept-Language", "en").html(t).text()
	if !strings.Contains(hist, h.en().T("history.dispute.withdrawn", "Number", "R-1001")) {
		t.Error("no history entry")
	}
	sp := h.staffClient(staff.RoleAgent, h.a).get(staffDisputePath(dbID, ""), "Accept-Language", "en").html(t)
	if len(sp.testID("withdrawn-note")) != 1 || len(sp.testID("dispute-decision")) != 0 {
		t.Error("staff do not see the withdrawal")
	}
	// Staff cannot decide a withdrawn case.
	if res := h.staffClient(staff.RoleAR, h.a).post(staffDisputePath(dbID, "/reject"), url.Values{"reason": {"x"}}); res.StatusCode != http.StatusConflict {
		t.Errorf("reject after withdrawal = %d", res.StatusCode)
	}
}

// In assist mode the agent withdraws for the customer: recorded as the
// agent's, in the audit log.
func TestCreditRequestWithdrawAssisted(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	id := requestCredit(t, h.steppedUp(h.alice), url.Values{"invoice": {"R-1001"}, "reason": {"outage"}, "message": {"Ausfall."}})
	agent := h.staffClient(staff.RoleAgent, h.a)
	if res := agent.post(aliceURL(h, "/assist"), url.Values{"consent": {"yes"}, "identified": {"yes"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("assist = %d", res.StatusCode)
	}
	if res := agent.post(disputePath(id, "/withdraw"), url.Values{}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("assisted withdraw = %d", res.StatusCode)
	}
	if n := h.queryInt(`SELECT count(*) FROM audit_log WHERE action = 'credit_request.withdrawn' AND subject = $1`, id); n != 1 {
		t.Errorf("%d audit entries", n)
	}
	if n := h.queryInt(`SELECT count(*) FROM interactions WHERE kind = 'credit_request.withdrawn' AND actor = 'staff'
		AND staff_id IS NOT NULL`); n != 1 {
		t.Errorf("%d assisted timeline entries", n)
	}
}

// Every text a case needs under a key made at run time exists in every
// language: each step's timeline texts, the messages, the reasons.
func TestCreditRequestTextsTranslated(t *testing.T) {
	cat := i18n.MustLoad()
	var keys []string
	for _, step := range disputes.CaseSteps {
		keys = append(keys, "history.credit_request."+step, "staff.timeline.credit_request."+step)
	}
	keys = append(keys, "history.dispute.withdrawn", "staff.timeline.dispute.withdrawn", "audit.dispute.withdrawn")
	for _, step := range []string{"replied", "info_requested", "accepted", "rejected", "withdrawn"} {
		keys = append(keys, "audit.credit_request."+step)
	}
	for _, m := range disputes.CaseMessages {
		keys = append(keys, portal.NotifyKeys("credit_request."+m)...)
	}
	for _, r := range ar.CreditRequestReasons {
		keys = append(keys, "form.credit_request.reason."+r)
	}
	for _, key := range keys {
		for _, l := range i18n.Languages {
			if !cat.Locale(l).Has(key) {
				t.Errorf("%s: no %q", l, key)
			}
		}
	}
}

// spaced is a text as testIDText gives it: runs of space (a no-break
// space too) as one space.
func spaced(s string) string { return strings.Join(strings.Fields(s), " ") }

// A refused credit request keeps the files that passed, as a dispute
// does: the form lists them ticked, sending it again with the text only
// attaches them to the request's message, and another debtor cannot use
// their ids.
func TestCreditRequestKeepsAcceptedFiles(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	alice := h.steppedUp(h.alice)
	fields := url.Values{"invoice": {"R-1003"}, "reason": {"outage"}, "message": {"Kein Internet vom 3. bis 7. Mai."}}

	for _, lang := range []string{"en", "de"} {
		loc := h.cat.Locale(lang)
		res := alice.postFiles("/account/credit-requests", fields, []upFile{
			{"stoerung.jpg", "image/jpeg", testPhoto(t, 32, 16)},
			{"rechnung.pdf", "application/pdf", []byte("<html><script>alert(1)</script></html>")},
		}, "Accept-Language", lang)
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("%s: refused POST = %d", lang, res.StatusCode)
		}
		checkFormLabels(t, "credit request form with kept files", res)
		doc := res.html(t)
		if got := doc.testIDText("refused-file"); got != norm(loc.T("error.dispute.file.type", "Name", "rechnung.pdf")) {
			t.Errorf("%s: refused file %q", lang, got)
		}
		if !strings.Contains(doc.testIDText("refused-files"), norm(loc.T("page.dispute.kept.notice"))) {
			t.Errorf("%s: the notice does not say the other file is kept", lang)
		}
		if !strings.Contains(doc.testIDText("kept-files"), norm(loc.T("page.dispute.kept.legend"))) ||
			!strings.Contains(doc.testIDText("kept-file"), "stoerung.jpg") {
			t.Errorf("%s: kept files shown as %q", lang, doc.testIDText("kept-files"))
		}
		if len(keptIDs(t, doc)) != 1 {
			t.Fatalf("%s: kept ids %q", lang, keptIDs(t, doc))
		}
	}
	// The second try's page: that one is used below.
	res := alice.postFiles("/account/credit-requests", fields, []upFile{
		{"stoerung.jpg", "image/jpeg", testPhoto(t, 32, 16)},
		{"rechnung.pdf", "application/pdf", []byte("<html></html>")},
	}, "Accept-Language", "en")
	ids := keptIDs(t, res.html(t))
	if len(ids) != 1 || !strings.HasPrefix(ids[0], "upl_") {
		t.Fatalf("kept ids %q", ids)
	}
	if n := h.queryInt(`SELECT count(*) FROM disputes WHERE kind = 'credit_request'`); n != 0 {
		t.Fatalf("%d credit requests opened by a refused form", n)
	}

	// Bob (same creditor) and carol (another) cannot use alice's file.
	for name, c := range map[string]*tclient{"bob": h.steppedUp(h.bob), "carol": h.steppedUp(h.carol)} {
		number := map[string]string{"bob": "R-2001", "carol": "R-3001"}[name]
		res := c.postFiles("/account/credit-requests", url.Values{"invoice": {number}, "reason": {"goodwill"},
			"message": {"Bitte."}, "staged": {ids[0]}}, nil, "Accept-Language", "en")
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("%s with alice's kept file = %d", name, res.StatusCode)
		}
		doc := res.html(t)
		if got := doc.testIDText("error-files"); got != norm(h.en().T("error.dispute.kept_gone")) {
			t.Errorf("%s: files error %q", name, got)
		}
		if len(keptIDs(t, doc)) != 0 || strings.Contains(res.body, "stoerung.jpg") {
			t.Errorf("%s sees alice's kept file", name)
		}
	}
	if n := h.queryInt(`SELECT count(*) FROM disputes WHERE kind = 'credit_request'`); n != 0 {
		t.Fatalf("%d credit requests opened with someone else's file", n)
	}
	if n := h.queryInt(`SELECT count(*) FROM dispute_uploads_staged WHERE public_id = $1 AND debtor_id = $2`, ids[0], h.alice.ID); n != 1 {
		t.Fatal("alice's kept file is gone after others tried it")
	}

	// Sent again with the text only: the request's message has the file.
	again := url.Values{"staged": ids}
	for k, v := range fields {
		again[k] = v
	}
	id := requestCredit(t, alice, again)
	d := h.disputeByPublicID(id)
	var name, mediaType string
	if err := h.db.QueryRow(`SELECT a.file_name, a.media_type FROM dispute_attachments a
		JOIN dispute_messages m ON m.id = a.message_id WHERE a.dispute_id = $1 AND m.author = 'debtor'`, d.ID).
		Scan(&name, &mediaType); err != nil {
		t.Fatalf("the credit request has no attachment on its message: %v", err)
	}
	if name != "stoerung.jpg" || mediaType != "image/jpeg" {
		t.Errorf("attached %q %s", name, mediaType)
	}
	if n := h.queryInt(`SELECT count(*) FROM dispute_uploads_staged WHERE public_id = $1`, ids[0]); n != 0 {
		t.Error("the attached file is still staged")
	}
	if got := alice.get(disputePath(id, "")).html(t).testIDText("attachment-link"); got != "stoerung.jpg" {
		t.Errorf("the credit request page shows %q", got)
	}
}

// Kept and new files together count toward the limit of files.
func TestCreditRequestKeptFilesCount(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	alice := h.steppedUp(h.alice)
	fields := url.Values{"invoice": {"R-1003"}, "reason": {"outage"}, "message": {""}}
	res := alice.postFiles("/account/credit-requests", fields, []upFile{{"a.jpg", "image/jpeg", testPhoto(t, 8, 8)}},
		"Accept-Language", "en")
	ids := keptIDs(t, res.html(t))
	if res.StatusCode != http.StatusUnprocessableEntity || len(ids) != 1 {
		t.Fatalf("refused POST = %d, kept %q", res.StatusCode, ids)
	}
	files := make([]upFile, ar.MaxDisputeFiles)
	for i := range files {
		files[i] = upFile{"b.jpg", "image/jpeg", testPhoto(t, 8, 8)}
	}
	fields.Set("message", "Kein Internet.")
	fields["staged"] = ids
	res = alice.postFiles("/account/credit-requests", fields, files, "Accept-Language", "en")
	if res.StatusCode != http.StatusUnprocessableEntity ||
		res.html(t).testIDText("error-files") != norm(h.en().T("error.dispute.too_many_files", "Max", ar.MaxDisputeFiles)) {
		t.Errorf("%d kept + %d new = %d: %q", len(ids), len(files), res.StatusCode, res.html(t).testIDText("error-files"))
	}
	if n := h.queryInt(`SELECT count(*) FROM disputes WHERE kind = 'credit_request'`); n != 0 {
		t.Errorf("%d credit requests with too many files", n)
	}
}
