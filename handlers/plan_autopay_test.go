package handlers

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/autopay"
	"github.com/settle/settle/internal/payments/molliesim"
	"github.com/settle/settle/internal/store"
	"github.com/settle/settle/views"
)

// autopayHarness is payHarness with autopay wired as settle wires it.
func autopayHarness(t *testing.T) (*harness, *molliesim.Simulator, *autopay.Service) {
	h, sim, ck := payHarness(t)
	ap := &autopay.Service{Store: h.st, Checkout: ck, Log: h.log, Now: h.clock.Now}
	ck.Autopay = ap
	cfg := h.srv.Config
	cfg.Autopay = ap
	h.srv = NewServer(cfg)
	h.h = h.srv.Handler()
	return h, sim, ap
}

// alicePlanOver makes an active plan of alice over her open R-1001 and
// R-1002: three instalments, the first due today.
func (h *harness) alicePlanOver() *store.Plan {
	h.t.Helper()
	held := map[int64]int64{}
	var total int64
	for _, n := range []string{"R-1001", "R-1002"} {
		inv := h.invoices[h.alice.ID][n]
		held[inv.ID] = inv.OpenMinor
		total += inv.OpenMinor
	}
	third := total / 3
	p := &store.Plan{PublicID: ar.NewPublicID("plan"), CreditorID: h.a.ID, DebtorID: h.alice.ID, Kind: ar.PlanInstalments,
		Status: ar.PlanActive, PrincipalMinor: total, TotalMinor: total, Currency: "EUR"}
	if err := h.st.CreatePlan(h.ctx, p, held, []ar.Instalment{
		{Seq: 1, DueDate: civil("2026-11-23"), AmountMinor: total - 2*third},
		{Seq: 2, DueDate: civil("2026-12-23"), AmountMinor: third},
		{Seq: 3, DueDate: civil("2027-01-23"), AmountMinor: third}}); err != nil {
		h.t.Fatal(err)
	}
	return p
}

// panel builds and renders the autopay panel of a plan's page the way
// the plan page does (GET /account/plans/{plan}?query).
func (h *harness) panel(p *store.Plan, query, lang string) (views.AutopayVM, *htmlDoc) {
	h.t.Helper()
	r := httptest.NewRequest(http.MethodGet, "/account/plans/"+p.PublicID+query, nil)
	vm, err := h.srv.autopayVM(r, &debtorSession{CreditorID: p.CreditorID, DebtorID: p.DebtorID, SteppedUp: true}, p)
	if err != nil {
		h.t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := views.AutopayPanel(vm).Render(views.WithEnv(h.ctx, &views.Env{Loc: h.cat.Locale(lang)}), &buf); err != nil {
		h.t.Fatal(err)
	}
	res := &tresp{Response: &http.Response{Header: http.Header{"Content-Type": {"text/html"}}, Request: r}, body: buf.String()}
	return vm, res.html(h.t)
}

// The debtor turns autopay on from the plan page, pays the first
// instalment at the checkout, sees and revokes the mandate; the job
// debits the next instalment on its due date, and the history says so.
func TestAutopayPages(t *testing.T) {
	t.Parallel()
	h, sim, ap := autopayHarness(t)
	p := h.alicePlanOver()
	alice := h.steppedUp(h.alice)

	vm, doc := h.panel(p, "", "de")
	if vm.State != "off" || vm.NextSeq != 1 || len(doc.testID("autopay-start")) != 1 {
		t.Fatalf("panel before: %+v", vm)
	}
	form := doc.tag("form")
	if action, _ := attr(form[0], "action"); action != "/account/plans/"+p.PublicID+"/autopay" {
		t.Errorf("form action %q", action)
	}
	if !contains(doc.text(), h.de().T("page.autopay.offer_first", "Amount", h.de().Money(vm.NextAmountMinor, "EUR"), "Number", 1)) {
		t.Errorf("panel text: %s", doc.text())
	}
	if _, doc := h.panel(p, "?autopay=<script>", "de"); len(doc.testID("autopay-notice")) != 0 {
		t.Error("an unknown notice was shown")
	}

	res := alice.post("/account/plans/"+p.PublicID+"/autopay", nil)
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, sim.BaseURL()+"checkout/") {
		t.Fatalf("start: %d to %q", res.StatusCode, loc)
	}
	first := sim.Payments()[0]
	if first.SequenceType != "first" || !strings.HasSuffix(first.RedirectURL, "/account/payments/"+first.IdempotencyKey) {
		t.Fatalf("first payment %+v", first)
	}
	// Another debtor cannot use alice's plan.
	if res := h.steppedUp(h.bob).post("/account/plans/"+p.PublicID+"/autopay", nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("bob on alice's plan: %d", res.StatusCode)
	}
	// Paid at the checkout; the return page applies it.
	if err := sim.SetStatus(first.ID, "paid"); err != nil {
		t.Fatal(err)
	}
	if page := alice.get("/account/payments/" + first.IdempotencyKey); page.StatusCode != 200 {
		t.Fatalf("return page: %d", page.StatusCode)
	} else if st, _ := attr(page.html(t).testID("payment-status")[0], "data-status"); st != "paid" {
		t.Fatalf("return page: %s", st)
	}
	if res := alice.post("/account/plans/"+p.PublicID+"/autopay", nil); res.Header.Get("Location") != "/account/plans/"+p.PublicID+"?autopay=on" {
		t.Errorf("again: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	p, _ = h.st.Plan(h.ctx, h.a.ID, h.alice.ID, p.ID, false)
	vm, doc = h.panel(p, "?autopay=on", "en")
	if vm.State != "on" || vm.Account != "NL55 •••• 0000" || !contains(doc.text(), h.en().T("page.autopay.on", "Account", "NL55 •••• 0000")) ||
		len(doc.testID("mandate-link")) != 1 || !contains(doc.testIDText("autopay-notice"), h.en().T("page.autopay.notice.on")) {
		t.Fatalf("panel after: %+v: %s", vm, doc.text())
	}

	// The mandate page, in both languages.
	page := alice.get("/account/mandate")
	if page.StatusCode != 200 || page.html(t).testIDText("mandate-status") != h.de().T("page.autopay.mandate.state.valid") ||
		page.html(t).testIDText("mandate-account") != "NL55 •••• 0000" || len(page.html(t).testID("mandate-revoke")) != 1 {
		t.Fatalf("mandate page: %d %s", page.StatusCode, page.html(t).text())
	}
	if plans := page.html(t).testID("mandate-plans"); len(plans) != 1 || !strings.Contains(page.body, `href="/account/plans/`+p.PublicID+`"`) {
		t.Errorf("the mandate page does not list the plan")
	}
	if en := alice.get("/account/mandate", "Accept-Language", "en"); !contains(en.html(t).text(), h.en().T("page.autopay.mandate.revoke_body")) {
		t.Errorf("English mandate page: %s", en.html(t).text())
	}

	// Instalment 2 is debited on its due date.
	h.clock.Advance(30 * 24 * time.Hour)
	if n, err := ap.ChargeDue(h.ctx); err != nil || n != 1 {
		t.Fatalf("charge run: %d %v", n, err)
	}
	var id int64
	h.db.Get(&id, `SELECT id FROM payments WHERE sequence_type = 'recurring'`)
	if err := ap.Charge(h.ctx, id, false); err != nil {
		t.Fatal(err)
	}
	alice = h.steppedUp(h.alice) // a month later: a new session
	hist := alice.get("/account/history")
	amount := h.de().Money(h.queryInt64(`SELECT amount_minor FROM payments WHERE id = $1`, id), "EUR")
	if !contains(hist.html(t).text(), h.de().T("history.plan.instalment_charged", "Number", "2", "Amount", amount, "To", "NL55 •••• 0000")) ||
		!contains(hist.html(t).text(), h.de().T("history.autopay.enabled", "To", "NL55 •••• 0000")) {
		t.Errorf("history: %s", hist.html(t).text())
	}

	// Revoked: the page says so, no button; a second revoke is refused.
	res = alice.post("/account/mandate/revoke", nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account/mandate?revoked=1" {
		t.Fatalf("revoke: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	page = alice.get("/account/mandate?revoked=1")
	if d := page.html(t); d.testIDText("mandate-revoked") != h.de().T("page.autopay.mandate.revoked_notice") ||
		d.testIDText("mandate-status") != h.de().T("page.autopay.mandate.state.revoked") || len(d.testID("mandate-revoke")) != 0 {
		t.Errorf("after revoking: %s", d.text())
	}
	if again := alice.post("/account/mandate/revoke", nil); again.StatusCode != http.StatusConflict ||
		again.html(t).testIDText("mandate-error") != h.de().T("error.autopay.no_mandate") {
		t.Errorf("second revoke: %d", again.StatusCode)
	}
	if rec := sim.Payments(); rec[len(rec)-1].SequenceType != "recurring" || rec[len(rec)-1].Status != "canceled" {
		t.Errorf("the pending debit was not cancelled at Mollie: %+v", rec[len(rec)-1])
	}
	if !contains(alice.get("/account/history").html(t).text(), h.de().T("history.autopay.revoked", "To", "NL55 •••• 0000")) {
		t.Error("history without the revocation")
	}
	p, _ = h.st.Plan(h.ctx, h.a.ID, h.alice.ID, p.ID, false)
	if vm, _ := h.panel(p, "", "de"); vm.State != "off" || vm.MandateValid {
		t.Errorf("panel after revoking: %+v", vm)
	}
}

// Pages without autopay configured, and a debtor without a mandate.
func TestAutopayUnavailable(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	alice := h.steppedUp(h.alice)
	res := alice.post("/account/plans/"+alicePlan+"/autopay", url.Values{})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account/plans/"+alicePlan+"?autopay=unavailable" {
		t.Errorf("without autopay: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	page := alice.get("/account/mandate", "Accept-Language", "en")
	if page.StatusCode != 200 || page.html(t).testIDText("mandate-none") != h.en().T("page.autopay.mandate.none") {
		t.Errorf("mandate page without one: %d", page.StatusCode)
	}
	// The step-up guards it.
	if res := h.entered(h.alice).get("/account/mandate"); res.StatusCode != http.StatusSeeOther ||
		!strings.HasPrefix(res.Header.Get("Location"), "/account/verify") {
		t.Errorf("without the step-up: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	// A plan that is not running offers nothing.
	p, _ := h.st.PlanByPublicID(h.ctx, h.a.ID, h.alice.ID, alicePlan)
	p.Status = ar.PlanCancelled
	if vm, doc := h.panel(p, "", "de"); vm.State != "" || len(doc.testID("autopay")) != 0 {
		t.Errorf("panel of a cancelled plan: %+v", vm)
	}
}
