package handlers

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/billing"
	"github.com/settle/settle/internal/i18n"
	"github.com/settle/settle/internal/portal"
	"github.com/settle/settle/internal/store"
)

// payOnAccount books a payment of d's; naming only paid invoices (alice's
// R-1003), or paying more than is open, leaves money on the account, with
// an overpayment task.
func (h *harness) payOnAccount(c *ar.Creditor, d *ar.Debtor, minor int64, ref string, invoices ...string) string {
	h.t.Helper()
	res, err := h.srv.Billing.RecordPayment(h.ctx, c, billing.PaymentInput{CustomerNumber: d.CustomerNumber,
		AmountMinor: &minor, Currency: "EUR", ValueDate: "2026-11-18", Reference: ref, InvoiceNumbers: invoices})
	if err != nil {
		h.t.Fatal(err)
	}
	return res.Payment.PublicID
}

// alreadyPaid has alice dispute an invoice saying she paid 50,00 with
// reference "4711".
func alreadyPaid(t *testing.T, h *harness, number string) (*tclient, string, int64) {
	t.Helper()
	c := h.steppedUp(h.alice)
	id := disputeOf(t, c.postFiles("/account/invoices/"+number+"/disputes", url.Values{"reason": {ar.ReasonAlreadyPaid},
		"paid_on": {"18.11.2026"}, "paid_amount": {"50,00"}, "paid_reference": {"4711"}}, nil))
	return c, id, h.disputeByPublicID(id).ID
}

// "Already paid": AR staff see alice's payments with money on the
// account (the fitting one marked, nobody else's), match one to the
// disputed invoice, and everything follows in one step: the ledger moves
// the money (balances stay sums), the overpayment task is done, the
// dispute is decided without a credit note, the debtor is told and sees
// it in her history, the creditor gets dispute.resolved "matched".
func TestStaffDisputeMatch(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	fits := h.payOnAccount(h.a, h.alice, 5000, "Überweisung Amsel 4711", "R-1003")
	other := h.payOnAccount(h.a, h.alice, 2000, "Sonstiges", "R-1003")
	bobs := h.payOnAccount(h.a, h.bob, 1_000_000_00, "4711")     // more than bob owes
	carols := h.payOnAccount(h.b, h.carol, 1_000_000_00, "4711") // more than carol owes
	c, id, dbID := alreadyPaid(t, h, "R-1001")
	inv := h.invoices[h.alice.ID]["R-1001"]
	staffURL := staffDisputePath(dbID, "")
	balance := func() int {
		return h.queryInt(`SELECT sum(amount_minor) FROM ledger_entries WHERE debtor_id = $1`, h.alice.ID)
	}
	before := balance()

	arc := h.staffClient("ar", h.a)
	got := arc.get(staffURL, "Accept-Language", "en")
	page := got.html(t)
	rows := page.testID("paid-match-payments")
	if len(rows) != 1 {
		t.Fatalf("no payments to match: %.2000s", page.text())
	}
	list := page.testID("paid-match-payment")
	if len(list) != 2 {
		t.Fatalf("%d payments listed, want alice's 2", len(list))
	}
	if attrOf(list[0], "data-payment") != fits || attrOf(list[0], "data-fits") != "true" ||
		attrOf(list[1], "data-payment") != other || attrOf(list[1], "data-fits") != "false" {
		t.Errorf("order/fit: %s %s, %s %s", attrOf(list[0], "data-payment"), attrOf(list[0], "data-fits"),
			attrOf(list[1], "data-payment"), attrOf(list[1], "data-fits"))
	}
	text := page.text()
	for _, want := range []string{h.en().T("staff.paid_match.heading"), "Überweisung Amsel 4711", h.en().T("staff.paid_match.fits"),
		h.en().T("staff.paid_match.effect_partly", "Amount", h.en().Money(5000, "EUR"), "Open", h.en().Money(inv.OpenMinor-5000, "EUR"))} {
		if !contains(text, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for _, p := range []string{bobs, carols} {
		if strings.Contains(got.body, p) {
			t.Errorf("someone else's payment %s is offered", p)
		}
	}
	// Agents see no match.
	if ag := h.staffClient("agent", h.a).get(staffURL).html(t); len(ag.testID("paid-match")) != 0 {
		t.Error("an agent is offered the match")
	}
	// Nothing chosen: the page again, saying so (German by default).
	bad := arc.post(staffURL+"/match", url.Values{})
	if bad.StatusCode != http.StatusUnprocessableEntity || bad.html(t).testIDText("error-payment") != h.de().T("error.staff.paid_match.choose") {
		t.Fatalf("no choice = %d: %.300s", bad.StatusCode, bad.html(t).testIDText("error-payment"))
	}
	// Someone else's payment: not found, nothing booked.
	for _, p := range []string{bobs, carols, "pay_nonexistent"} {
		if res := arc.post(staffURL+"/match", url.Values{"payment": {p}}); res.StatusCode != http.StatusNotFound {
			t.Errorf("matching %s = %d", p, res.StatusCode)
		}
	}
	if st := h.queryString(`SELECT status FROM disputes WHERE id = $1`, dbID); st != "open" {
		t.Fatalf("status %s after refused matches", st)
	}

	res := arc.post(staffURL+"/match", url.Values{"payment": {fits}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != staffURL+"?done=matched_partly" {
		t.Fatalf("match = %d to %q: %.500s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	if got := balance(); got != before {
		t.Errorf("the balance moved from %d to %d", before, got)
	}
	if got := h.queryInt(`SELECT -sum(amount_minor) FROM ledger_entries WHERE payment_id = (SELECT id FROM payments WHERE public_id = $1)
		AND invoice_id = $2`, fits, inv.ID); got != 5000 {
		t.Errorf("%d booked on the invoice", got)
	}
	if got := h.queryInt(`SELECT COALESCE(-sum(amount_minor), 0) FROM ledger_entries WHERE payment_id = (SELECT id FROM payments WHERE public_id = $1)
		AND invoice_id IS NULL`, fits); got != 0 {
		t.Errorf("%d left on the account", got)
	}
	if n := h.queryInt(`SELECT count(*) FROM staff_tasks WHERE kind = 'overpayment' AND done_at IS NULL
		AND payment_id = (SELECT id FROM payments WHERE public_id = $1)`, fits); n != 0 {
		t.Errorf("%d open overpayment tasks", n)
	}
	if n := h.queryInt(`SELECT count(*) FROM staff_tasks WHERE kind = 'overpayment' AND done_at IS NULL
		AND payment_id = (SELECT id FROM payments WHERE public_id = $1)`, other); n != 1 {
		t.Errorf("the other payment's task: %d open", n)
	}
	if st := h.queryString(`SELECT status FROM disputes WHERE id = $1`, dbID); st != "accepted" {
		t.Errorf("status %s", st)
	}
	if n := h.queryInt(`SELECT count(*) FROM credit_notes WHERE debtor_id = $1`, h.alice.ID); n != 0 {
		t.Errorf("%d credit notes", n)
	}
	if n := h.queryInt(`SELECT count(*) FROM events WHERE type = 'dispute.resolved' AND data->>'outcome' = 'matched'
		AND data->>'payment_id' = $1 AND (data->>'amount_minor')::int = 5000 AND data->>'dispute' = $2`, fits, id); n != 1 {
		t.Errorf("%d dispute.resolved events", n)
	}
	if n := h.queryInt(`SELECT count(*) FROM audit_log WHERE action = 'dispute.matched' AND subject = $1`, id); n != 1 {
		t.Errorf("%d audit entries", n)
	}
	if n := h.queryInt(`SELECT count(*) FROM staff_tasks WHERE kind = 'dispute' AND subject_id = $1 AND done_at IS NULL`, dbID); n != 0 {
		t.Errorf("%d open dispute tasks", n)
	}
	amount, open := h.de().Money(5000, "EUR"), h.de().Money(inv.OpenMinor-5000, "EUR")
	h.wantMessage(h.de().T("message.dispute.matched_partly.subject", "Number", "R-1001"),
		"Wir haben Ihre Zahlung über "+amount+" vom 18.11.2026 gefunden und der Rechnung zugeordnet. Auf der Rechnung sind noch "+open+" offen.")
	// The staff page: decided, with the notice and the note.
	after := arc.get(staffURL+"?done=matched_partly", "Accept-Language", "en").html(t)
	if got := after.testIDText("notice"); got != h.en().T("staff.paid_match.done.matched_partly") {
		t.Errorf("notice %q", got)
	}
	if len(after.testID("paid-match")) != 0 || len(after.testID("dispute-decision")) != 0 {
		t.Error("a decided dispute still offers decisions")
	}
	// The debtor: the note on the dispute, the entry in the history, the
	// smaller open amount on the invoice.
	dp := c.get(disputePath(id, "")).html(t)
	if got := dp.testIDText("decision-note"); !strings.Contains(got, "4711") || !strings.Contains(got, "18.11.2026") {
		t.Errorf("the debtor's note %q", got)
	}
	hist := c.get("/account/history").html(t).text()
	if want := h.de().T("history.dispute.matched", "Amount", amount, "Date", "18.11.2026", "Number", "R-1001"); !contains(hist, want) {
		t.Errorf("history lacks %q", want)
	}
	if got := h.queryInt(`SELECT sum(amount_minor) FROM ledger_entries WHERE invoice_id = $1`, inv.ID); int64(got) != inv.OpenMinor-5000 {
		t.Errorf("open %d, want %d", got, inv.OpenMinor-5000)
	}
	// The staff timeline and the statement explain it.
	deb := arc.get("/staff/debtors/"+strconv.FormatInt(h.alice.ID, 10), "Accept-Language", "en").html(t).text()
	if want := h.en().T("staff.timeline.dispute.matched", "Number", "R-1001", "Amount", h.en().Money(5000, "EUR"), "Date", "18 Nov 2026"); !contains(deb, want) {
		t.Errorf("staff timeline lacks %q", want)
	}
	moved := 0
	for _, l := range c.get("/account/statement").html(t).testID("statement-line") {
		line := norm(textOf(l))
		if strings.Contains(line, "23.11.2026") && (strings.Contains(line, h.de().T("ledger.reversal")) && strings.Contains(line, " "+norm(amount)) ||
			strings.Contains(line, h.de().T("ledger.payment")) && strings.Contains(line, "R-1001") && strings.Contains(line, "-"+norm(amount))) {
			moved++
		}
	}
	if moved < 2 {
		t.Errorf("the statement shows %d lines of the move: %s", moved, norm(c.get("/account/statement").html(t).testIDText("statement")))
	}
	// A second match on the decided dispute: a conflict, nothing booked.
	if res := arc.post(staffURL+"/match", url.Values{"payment": {other}}); res.StatusCode != http.StatusConflict {
		t.Errorf("second match = %d", res.StatusCode)
	}
	if got := balance(); got != before {
		t.Errorf("the balance moved from %d to %d", before, got)
	}
}

// A payment larger than what is open pays the invoice and leaves the
// rest on the account (its task reduced); a payment used up meanwhile is
// a clear conflict on the next dispute.
func TestStaffDisputeMatchRestAndUsedUp(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	pay := h.payOnAccount(h.a, h.alice, 8000, "4711", "R-1003")
	_, _, d1002 := alreadyPaid(t, h, "R-1002") // 50,00 open
	_, _, d1001 := alreadyPaid(t, h, "R-1001")
	arc := h.staffClient("ar", h.a)
	page := arc.get(staffDisputePath(d1002, ""), "Accept-Language", "en").html(t)
	if want := h.en().T("staff.paid_match.effect_rest", "Amount", h.en().Money(5000, "EUR"), "Rest", h.en().Money(3000, "EUR")); !contains(page.testIDText("paid-match-effect"), want) {
		t.Errorf("effect %q, want %q", page.testIDText("paid-match-effect"), want)
	}
	res := arc.post(staffDisputePath(d1002, "/match"), url.Values{"payment": {pay}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != staffDisputePath(d1002, "?done=matched") {
		t.Fatalf("match = %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if got := h.queryInt(`SELECT sum(amount_minor) FROM ledger_entries WHERE invoice_id = $1`, h.invoices[h.alice.ID]["R-1002"].ID); got != 0 {
		t.Errorf("R-1002 has %d open", got)
	}
	if got := h.queryInt(`SELECT amount_minor FROM staff_tasks WHERE kind = 'overpayment' AND done_at IS NULL
		AND payment_id = (SELECT id FROM payments WHERE public_id = $1)`, pay); got != 3000 {
		t.Errorf("the overpayment task says %d", got)
	}
	h.wantMessage(h.de().T("message.dispute.matched.subject", "Number", "R-1002"), "nichts mehr offen")
	// The rest goes to R-1001: 30,00, the task is done.
	if res := arc.post(staffDisputePath(d1001, "/match"), url.Values{"payment": {pay}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("second match = %d", res.StatusCode)
	}
	if n := h.queryInt(`SELECT count(*) FROM staff_tasks WHERE kind = 'overpayment' AND done_at IS NULL`); n != 0 {
		t.Errorf("%d open overpayment tasks", n)
	}
	// Used up: a third dispute can't have it.
	_, _, d1003 := alreadyPaid(t, h, "R-1001") // the first one is decided: a new one may be opened
	loc := arc.post(staffDisputePath(d1003, "/match"), url.Values{"payment": {pay}}, "Accept-Language", "en")
	if loc.StatusCode != http.StatusConflict || !strings.Contains(loc.body, h.en().T("error.staff.paid_match.used_up")) {
		t.Errorf("used up = %d: %.300s", loc.StatusCode, loc.html(t).text())
	}
	de := arc.post(staffDisputePath(d1003, "/match"), url.Values{"payment": {pay}})
	if !strings.Contains(de.body, h.de().T("error.staff.paid_match.used_up")) {
		t.Errorf("used up (de): %.300s", de.html(t).text())
	}
	if st := h.queryString(`SELECT status FROM disputes WHERE id = $1`, d1003); st != "open" {
		t.Errorf("status %s", st)
	}
}

// Two staff matching at once (the same dispute twice, and the same
// payment to two disputes): one wins, nothing is booked twice.
func TestStaffDisputeMatchConcurrent(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	pay := h.payOnAccount(h.a, h.alice, 3000, "4711", "R-1003")
	_, _, d1 := alreadyPaid(t, h, "R-1001")
	_, _, d2 := alreadyPaid(t, h, "R-1002")
	u, err := h.st.StaffUserByEmail(h.ctx, h.addStaff("ar", h.a, false))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i, d := range []int64{d1, d1, d2, d2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = h.srv.Disputes.Match(h.ctx, h.a, u.ID, d, pay)
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case ar.ErrorCode(err) != ar.Conflict:
			t.Errorf("unexpected error %v", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d matches succeeded, want 1: %v", ok, errs)
	}
	if n := h.queryInt(`SELECT count(*) FROM ledger_entries WHERE kind = 'reversal'
		AND payment_id = (SELECT id FROM payments WHERE public_id = $1)`, pay); n != 1 {
		t.Errorf("%d reversals", n)
	}
	if got := h.queryInt(`SELECT -sum(amount_minor) FROM ledger_entries WHERE payment_id = (SELECT id FROM payments WHERE public_id = $1)`, pay); got != 3000 {
		t.Errorf("the payment counts %d in total", got)
	}
	if n := h.queryInt(`SELECT count(*) FROM events WHERE type = 'dispute.resolved' AND data->>'payment_id' = $1`, pay); n != 1 {
		t.Errorf("%d events", n)
	}
}

// The match's texts exist in every language.
func TestPaidMatchTextsTranslated(t *testing.T) {
	var keys []string
	for _, n := range []string{"dispute.matched", "dispute.matched_partly"} {
		keys = append(keys, portal.NotifyKeys(n)...)
	}
	keys = append(keys, "history.dispute.matched", "staff.timeline.dispute.matched", "audit.dispute.matched")
	cat := i18n.MustLoad()
	for _, key := range keys {
		for _, l := range i18n.Languages {
			if !cat.Locale(l).Has(key) {
				t.Errorf("%s: no %q", l, key)
			}
		}
	}
}

// A matched payment on an invoice in an active plan pays toward the
// plan's instalments, as any payment does.
func TestStaffDisputeMatchPaysPlan(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	inv := h.invoices[h.alice.ID]["R-1002"] // 50,00 open
	day := 1
	p := &store.Plan{PublicID: ar.NewPublicID("plan_"), CreditorID: h.a.ID, DebtorID: h.alice.ID, Kind: ar.PlanInstalments,
		Status: ar.PlanActive, PrincipalMinor: 5000, TotalMinor: 5000, Currency: "EUR", Day: &day}
	if err := h.st.CreatePlan(h.ctx, p, map[int64]int64{inv.ID: 5000}, []ar.Instalment{
		{Seq: 1, DueDate: civil("2026-12-01"), AmountMinor: 2500}, {Seq: 2, DueDate: civil("2027-01-01"), AmountMinor: 2500}}); err != nil {
		t.Fatal(err)
	}
	pay := h.payOnAccount(h.a, h.alice, 2500, "4711", "R-1003")
	_, _, d := alreadyPaid(t, h, "R-1002")
	if res := h.staffClient("ar", h.a).post(staffDisputePath(d, "/match"), url.Values{"payment": {pay}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("match = %d: %.300s", res.StatusCode, res.body)
	}
	if got := h.queryInt(`SELECT paid_minor FROM plan_instalments WHERE plan_id = $1 AND seq = 1`, p.ID); got != 2500 {
		t.Errorf("instalment 1 paid %d", got)
	}
}

// A restricted debtor whose only overdue invoice is settled by a match
// has the service restorable, told once; a match that leaves the invoice
// overdue tells nothing.
func TestStaffDisputeMatchRestorable(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	if res := h.call("PUT", "/api/v1/debtors/K-100/service-status", h.apiKey(h.a), `{"status": "restricted"}`); res.status != 200 {
		t.Fatalf("restrict: %d %s", res.status, res.body)
	}
	restorable := func() int {
		return h.queryInt(`SELECT count(*) FROM events WHERE creditor_id = $1 AND debtor_id = $2 AND type = 'service.restorable'`,
			h.a.ID, h.alice.ID)
	}
	open := h.open("R-1001")
	first := h.payOnAccount(h.a, h.alice, 5000, "4711", "R-1003")
	rest := h.payOnAccount(h.a, h.alice, open-5000, "4712", "R-1003")
	if n := restorable(); n != 0 {
		t.Fatalf("%d service.restorable events from money on the account", n)
	}
	arc := h.staffClient("ar", h.a)

	// Part of R-1001: still overdue, nothing told.
	_, _, d1 := alreadyPaid(t, h, "R-1001")
	h.clock.Advance(1)
	if res := arc.post(staffDisputePath(d1, "/match"), url.Values{"payment": {first}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("partial match = %d: %.500s", res.StatusCode, res.body)
	}
	if h.open("R-1001") != open-5000 {
		t.Fatalf("R-1001 has %d open after the partial match", h.open("R-1001"))
	}
	if n := restorable(); n != 0 {
		t.Errorf("%d service.restorable events with R-1001 still overdue", n)
	}

	// The rest: nothing overdue any more, told once.
	_, _, d2 := alreadyPaid(t, h, "R-1001")
	h.clock.Advance(1)
	if res := arc.post(staffDisputePath(d2, "/match"), url.Values{"payment": {rest}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("match = %d: %.500s", res.StatusCode, res.body)
	}
	if h.open("R-1001") != 0 {
		t.Fatalf("R-1001 still has %d open", h.open("R-1001"))
	}
	if n := restorable(); n != 1 {
		t.Errorf("%d service.restorable events, want 1", n)
	}
	if n := h.interactions(h.alice, "service.restorable"); n != 1 {
		t.Errorf("%d service.restorable timeline entries, want 1", n)
	}
	if n := h.queryInt(`SELECT count(*) FROM debtors WHERE id = $1 AND service_restorable_at IS NOT NULL`, h.alice.ID); n != 1 {
		t.Error("the debtor is not marked restorable")
	}
}
