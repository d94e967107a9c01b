package handlers

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/plans"
	"github.com/settle/settle/internal/staff"
	"github.com/settle/settle/internal/store"
)

// addPlan makes a plan request of d's (two instalments of 50 €, no
// invoices, so that it can be made again and again) and returns its id
// as a path value.
func (h *harness) addPlan(c *ar.Creditor, d *ar.Debtor) string {
	h.t.Helper()
	day := 1
	p := &store.Plan{PublicID: ar.NewPublicID("plan_"), CreditorID: c.ID, DebtorID: d.ID, Kind: ar.PlanInstalments,
		Status: ar.PlanRequested, PrincipalMinor: 10000, TotalMinor: 10000, Currency: "EUR", Day: &day,
		Reason: "Kurzarbeit", ReviewKey: "plan.review.instalments"}
	ins := []ar.Instalment{{Seq: 1, DueDate: civil("2026-12-01"), AmountMinor: 5000},
		{Seq: 2, DueDate: civil("2027-01-01"), AmountMinor: 5000}}
	if err := h.st.CreatePlan(h.ctx, p, map[int64]int64{}, ins); err != nil {
		h.t.Fatal(err)
	}
	return strconv.FormatInt(p.ID, 10)
}

// requestPlan is alice asking in the portal for a plan of her open
// invoices outside the auto-approve band (10 instalments, more than
// 1.000 €): a request in the plan queue.
func (h *harness) requestPlan(reason string) *store.Plan {
	h.t.Helper()
	p, err := h.srv.Plans.Request(h.ctx, h.a, h.alice.ID, nil,
		ar.PlanAsk{Kind: ar.PlanInstalments, Instalments: 10, Day: 15}, reason, plans.By{})
	if err != nil {
		h.t.Fatal(err)
	}
	if p.Status != ar.PlanRequested {
		h.t.Fatalf("alice's 10-instalment plan is %s, want requested", p.Status)
	}
	return p
}

func planStatus(h *harness, id int64) string {
	h.t.Helper()
	var s string
	if err := h.db.Get(&s, `SELECT status FROM payment_plans WHERE id = $1`, id); err != nil {
		h.t.Fatal(err)
	}
	return s
}

func arClient(h *harness, lang string) (*tclient, int64, string) {
	h.t.Helper()
	c, id, email := h.staffAccount(staff.RoleAR, h.a)
	c.headers["Accept-Language"] = lang
	return c, id, email
}

// The queue row of a plan request opens the plan page; approving makes
// the plan active, closes the task, tells the debtor and is audited.
func TestStaffPlanApproveFromQueue(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	p := h.requestPlan("Kurzarbeit bis März")
	c, staffID, email := arClient(h, "en")

	queue := c.get("/staff/queues?kind=plan_request")
	links := queue.html(t).testID("task-subject")
	if len(links) != 1 {
		t.Fatalf("%d subject links in the plan queue, want 1", len(links))
	}
	href, _ := attr(links[0], "href")
	if want := "/staff/plans/" + strconv.FormatInt(p.ID, 10); href != want {
		t.Fatalf("queue row links to %q, want %q", href, want)
	}
	page := c.get(href)
	if page.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d", href, page.StatusCode)
	}
	doc := page.html(t)
	for _, want := range []string{aliceName, "Kurzarbeit bis März", h.en().T(p.ReviewKey), "Waiting for a decision", "R-1001"} {
		if !contains(doc.text(), want) {
			t.Errorf("plan page lacks %q", want)
		}
	}
	if n := len(doc.testID("instalment")); n != 10 {
		t.Errorf("plan page lists %d instalments, want 10", n)
	}
	if len(doc.testID("timeline-entry")) != 1 || !contains(doc.testIDText("plan-history"), "requested – needs a decision") {
		t.Errorf("plan history: %q", doc.testIDText("plan-history"))
	}

	res := c.post(href+"/approve", nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != href+"?done=approved" {
		t.Fatalf("approve = %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if s := planStatus(h, p.ID); s != "active" {
		t.Errorf("approved plan is %s", s)
	}
	if n := h.queryInt(`SELECT count(*) FROM staff_tasks WHERE kind = 'plan_request' AND subject_id = $1 AND done_at IS NOT NULL AND done_by = $2`, p.ID, staffID); n != 1 {
		t.Error("the plan request task is not done by the approver")
	}
	if n := h.queryInt(`SELECT count(*) FROM messages WHERE debtor_id = $1 AND purpose = 'plan'`, h.alice.ID); n != 1 {
		t.Errorf("%d plan messages to alice, want 1", n)
	}
	if n := h.queryInt(`SELECT count(*) FROM audit_log WHERE action = 'plan.approved' AND staff_id = $1`, staffID); n != 1 {
		t.Errorf("%d plan.approved audit entries", n)
	}
	after := c.get(href + "?done=approved").html(t)
	if !contains(after.testIDText("notice"), "Approved") || !contains(after.testIDText("plan-decided"), email) {
		t.Errorf("after approving: notice %q, decided %q", after.testIDText("notice"), after.testIDText("plan-decided"))
	}
	if len(after.testID("plan-approve")) != 0 || len(after.testID("plan-cancel")) != 1 {
		t.Error("an active plan still offers approval, or cannot be ended")
	}
	// Approving again: it is decided.
	if res := c.post(href+"/approve", nil); res.StatusCode != http.StatusConflict ||
		!contains(res.html(t).testIDText("plan-error"), h.en().T("error.plan.decided")) {
		t.Errorf("second approval = %d", res.StatusCode)
	}
}

// A rejection needs a reason (shown to the debtor); without one the form
// comes back in the staff member's language.
func TestStaffPlanReject(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	p := h.requestPlan("")
	path := "/staff/plans/" + strconv.FormatInt(p.ID, 10)
	for _, lang := range []string{"en", "de"} {
		c, _, _ := arClient(h, lang)
		res := c.post(path+"/reject", url.Values{"reason": {"  "}})
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("%s: reject without reason = %d", lang, res.StatusCode)
		}
		want := h.cat.Locale(lang).T("error.plan.reject_reason")
		if !contains(res.html(t).text(), want) {
			t.Errorf("%s: no %q on the page", lang, want)
		}
	}
	if s := planStatus(h, p.ID); s != "requested" {
		t.Fatalf("after a refused rejection the plan is %s", s)
	}
	c, _, _ := arClient(h, "en")
	page := c.get(path).html(t)
	if !contains(page.text(), "The customer sees this text") {
		t.Error("the reject form does not say the customer sees the reason")
	}
	reason := "Bitte zahlen Sie zuerst die Oktoberrechnung."
	res := c.post(path+"/reject", url.Values{"reason": {reason}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("reject = %d", res.StatusCode)
	}
	got, err := h.st.PlanByPublicID(h.ctx, h.a.ID, h.alice.ID, p.PublicID) // as the portal reads it
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != ar.PlanRejected || got.DecisionNote != reason {
		t.Errorf("rejected plan: %s %q", got.Status, got.DecisionNote)
	}
	if n := h.queryInt(`SELECT count(*) FROM messages WHERE debtor_id = $1 AND purpose = 'plan'`, h.alice.ID); n != 1 {
		t.Errorf("%d plan messages to alice, want 1", n)
	}
	if n := h.queryInt(`SELECT count(*) FROM plan_invoices WHERE plan_id = $1 AND held`, p.ID); n != 0 {
		t.Error("a rejected plan still holds its invoices")
	}
	doc := c.get(path).html(t)
	if !contains(doc.testIDText("plan-decision-note"), reason) || !contains(doc.testIDText("plan-history"), reason) {
		t.Error("the plan page does not show the reason given")
	}
}

// A counter-offer is previewed, then sent: the request is replaced by an
// offer the debtor can accept. Terms changed after the preview are
// previewed again rather than sent.
func TestStaffPlanCounterOffer(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	p := h.requestPlan("Neue Stelle ab Februar")
	path := "/staff/plans/" + strconv.FormatInt(p.ID, 10)
	c, staffID, _ := arClient(h, "en")

	form := c.get(path + "/offer")
	if form.StatusCode != http.StatusOK {
		t.Fatalf("GET offer = %d", form.StatusCode)
	}
	if v, _ := attr(form.html(t).byID("instalments"), "value"); v != "10" {
		t.Errorf("offer form starts with %q instalments, want the asked 10", v)
	}
	ask := url.Values{"kind": {"instalments"}, "instalments": {"6"}, "day": {"15"}, "note": {"Sechs Raten gehen."}, "action": {"preview"}}
	pv := c.post(path+"/offer", ask)
	if pv.StatusCode != http.StatusOK {
		t.Fatalf("preview = %d\n%s", pv.StatusCode, pv.html(t).text())
	}
	doc := pv.html(t)
	if n := len(doc.testID("instalment")); n != 6 {
		t.Fatalf("preview shows %d instalments, want 6", n)
	}
	if n := h.queryInt(`SELECT count(*) FROM payment_plans WHERE replaces = $1`, p.ID); n != 0 || planStatus(h, p.ID) != "requested" {
		t.Fatal("the preview made or changed something")
	}
	previewed, _ := attr(doc.all(func(n *htmlNode) bool {
		name, _ := attr(n, "name")
		return name == "previewed"
	})[0], "value")

	// Changed terms: previewed again, not sent.
	changed := url.Values{"kind": {"instalments"}, "instalments": {"5"}, "day": {"15"}, "action": {"send"}, "previewed": {previewed}}
	if res := c.post(path+"/offer", changed); res.StatusCode != http.StatusOK || len(res.html(t).testID("instalment")) != 5 {
		t.Fatalf("send with changed terms = %d", res.StatusCode)
	}
	if planStatus(h, p.ID) != "requested" {
		t.Fatal("terms changed after the preview were sent")
	}

	send := url.Values{"kind": {"instalments"}, "instalments": {"6"}, "day": {"15"}, "note": {"Sechs Raten gehen."}, "action": {"send"}, "previewed": {previewed}}
	res := c.post(path+"/offer", send)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("send = %d\n%s", res.StatusCode, res.html(t).text())
	}
	var offer store.Plan
	if err := h.db.Get(&offer, `SELECT `+planColumnsForTest+` FROM payment_plans WHERE replaces = $1`, p.ID); err != nil {
		t.Fatal(err)
	}
	if res.Header.Get("Location") != "/staff/plans/"+strconv.FormatInt(offer.ID, 10)+"?done=offered" {
		t.Errorf("send goes to %q", res.Header.Get("Location"))
	}
	if offer.Status != ar.PlanOffered || offer.CreatedBy == nil || *offer.CreatedBy != staffID {
		t.Errorf("offer: %s by %v", offer.Status, offer.CreatedBy)
	}
	if n := h.queryInt(`SELECT count(*) FROM plan_instalments WHERE plan_id = $1`, offer.ID); n != 6 {
		t.Errorf("offer has %d instalments", n)
	}
	if planStatus(h, p.ID) != "rejected" {
		t.Error("the request was not replaced")
	}
	if n := h.queryInt(`SELECT count(*) FROM staff_tasks WHERE subject_id = $1 AND done_at IS NULL`, p.ID); n != 0 {
		t.Error("the request is still in the queue")
	}
	if n := h.queryInt(`SELECT count(*) FROM messages WHERE debtor_id = $1 AND purpose = 'plan'`, h.alice.ID); n != 1 {
		t.Errorf("%d plan messages to alice, want 1", n)
	}
	old := c.get(path).html(t)
	if !contains(old.testIDText("plan-status"), "Replaced by a counter-offer") || len(old.testID("plan-replaced-by")) != 1 {
		t.Errorf("the old request reads %q", old.testIDText("plan-status"))
	}
	// The offer's page tells its history, the request included.
	page := c.get(res.Header.Get("Location")).html(t)
	if !contains(page.testIDText("plan-history"), "requested") || !contains(page.testIDText("plan-history"), "counter-offer") {
		t.Errorf("offer history: %q", page.testIDText("plan-history"))
	}
	// The offer can be withdrawn (ended) with a confirmation.
	offerPath := "/staff/plans/" + strconv.FormatInt(offer.ID, 10)
	if res := c.post(offerPath+"/cancel", nil); res.StatusCode != http.StatusUnprocessableEntity ||
		!contains(res.html(t).text(), h.en().T("error.staff.plans.cancel_confirm")) {
		t.Errorf("cancel without confirmation = %d", res.StatusCode)
	}
	if res := c.post(offerPath+"/cancel", url.Values{"confirm": {"yes"}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("cancel = %d", res.StatusCode)
	}
	if s := planStatus(h, offer.ID); s != "cancelled" {
		t.Errorf("cancelled offer is %s", s)
	}
	if n := h.queryInt(`SELECT count(*) FROM audit_log WHERE action IN ('plan.offered', 'plan.cancelled') AND staff_id = $1`, staffID); n != 2 {
		t.Errorf("%d audit entries for offer and cancel, want 2", n)
	}
}

// planColumnsForTest reads a whole plan row into store.Plan.
const planColumnsForTest = `id, public_id, creditor_id, debtor_id, kind, status, principal_minor, fee_minor,
	interest_minor, total_minor, currency, day, reason, review_key, decision_note, autopay, mandate_id, replaces,
	created_by, decided_by, created_at, decided_at, ended_at, end_reason`

// Agents see plans but cannot decide them.
func TestStaffPlanAgentCannotDecide(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	p := h.requestPlan("")
	path := "/staff/plans/" + strconv.FormatInt(p.ID, 10)
	agent := h.staffClient(staff.RoleAgent, h.a)
	page := agent.get(path)
	if page.StatusCode != http.StatusOK || len(page.html(t).testID("plan-approve")) != 0 {
		t.Errorf("agent's plan page = %d, with an approve button: %v", page.StatusCode, len(page.html(t).testID("plan-approve")) != 0)
	}
	for _, action := range []string{"approve", "reject", "offer", "cancel"} {
		if res := agent.post(path+"/"+action, url.Values{"reason": {"nein"}}); res.StatusCode != http.StatusForbidden {
			t.Errorf("agent POST %s = %d, want 403", action, res.StatusCode)
		}
	}
	if res := agent.get("/staff/debtors/" + strconv.FormatInt(h.alice.ID, 10) + "/plans/new"); res.StatusCode != http.StatusForbidden {
		t.Errorf("agent new plan = %d", res.StatusCode)
	}
	if s := planStatus(h, p.ID); s != "requested" {
		t.Errorf("after the agent's tries the plan is %s", s)
	}
	if n := h.queryInt(`SELECT count(*) FROM messages WHERE purpose = 'plan'`); n != 0 {
		t.Error("the agent's tries sent a message")
	}
	debtor := agent.get("/staff/debtors/" + strconv.FormatInt(h.alice.ID, 10)).html(t)
	// alice has the harness's completed fixture plan besides this one.
	if len(debtor.testID("debtor-plan")) != 2 || len(debtor.testID("new-plan")) != 0 {
		t.Error("agent's debtor view: the plan is missing or 'New plan' is offered")
	}
}

// Staff make a plan with a debtor on the phone: preview, then make; it
// is active at once and shows in the debtor view.
func TestStaffPlanOnThePhone(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c, staffID, _ := arClient(h, "en")
	debtorPath := "/staff/debtors/" + strconv.FormatInt(h.alice.ID, 10)
	view := c.get(debtorPath).html(t)
	links := view.testID("new-plan")
	if len(links) != 1 {
		t.Fatal("the debtor view has no 'New plan' link")
	}
	href, _ := attr(links[0], "href")
	form := c.get(href)
	if form.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d", href, form.StatusCode)
	}
	fd := form.html(t)
	if len(fd.testID("invoice-R-1001")) != 1 || len(fd.testID("invoice-R-1002")) != 1 || len(fd.testID("invoice-R-1003")) != 0 {
		t.Error("the form does not offer exactly the open invoices R-1001 and R-1002")
	}

	// Nothing chosen: the form comes back.
	ask := url.Values{"kind": {"instalments"}, "instalments": {"2"}, "day": {"5"}, "action": {"preview"}}
	if res := c.post(debtorPath+"/plans", ask); res.StatusCode != http.StatusUnprocessableEntity ||
		!contains(res.html(t).text(), h.en().T("error.staff.plans.choose_invoice")) {
		t.Errorf("no invoice = %d", res.StatusCode)
	}
	ask.Set("invoice", "R-1002") // 50 € open
	ask.Set("note", "Am Telefon: Gehalt kommt am 3.")
	pv := c.post(debtorPath+"/plans", ask)
	if pv.StatusCode != http.StatusOK {
		t.Fatalf("preview = %d\n%s", pv.StatusCode, pv.html(t).text())
	}
	rows := pv.html(t).testID("instalment")
	if len(rows) != 2 || !contains(textOf(rows[0]), h.en().Money(2500, "EUR")) {
		t.Fatalf("preview: %d rows", len(rows))
	}
	previewed, _ := attr(pv.html(t).all(func(n *htmlNode) bool { name, _ := attr(n, "name"); return name == "previewed" })[0], "value")
	ask.Set("action", "create")
	ask.Set("previewed", previewed)
	res := c.post(debtorPath+"/plans", ask)
	if res.StatusCode != http.StatusSeeOther || !strings.HasSuffix(res.Header.Get("Location"), "?done=created") {
		t.Fatalf("create = %d to %q\n%s", res.StatusCode, res.Header.Get("Location"), res.html(t).text())
	}
	var p store.Plan
	if err := h.db.Get(&p, `SELECT `+planColumnsForTest+` FROM payment_plans WHERE debtor_id = $1 ORDER BY id DESC LIMIT 1`, h.alice.ID); err != nil {
		t.Fatal(err)
	}
	if p.Status != ar.PlanActive || p.CreatedBy == nil || *p.CreatedBy != staffID || p.DecidedBy == nil || *p.DecidedBy != staffID {
		t.Errorf("staff-made plan: %s, created by %v, decided by %v", p.Status, p.CreatedBy, p.DecidedBy)
	}
	if p.Reason != "Am Telefon: Gehalt kommt am 3." {
		t.Errorf("reason %q", p.Reason)
	}
	if n := h.queryInt(`SELECT count(*) FROM audit_log WHERE action = 'plan.created' AND staff_id = $1`, staffID); n != 1 {
		t.Errorf("%d plan.created audit entries", n)
	}
	if n := h.queryInt(`SELECT count(*) FROM messages WHERE debtor_id = $1 AND purpose = 'plan'`, h.alice.ID); n != 1 {
		t.Errorf("%d plan messages to alice, want 1", n)
	}
	page := c.get(res.Header.Get("Location")).html(t)
	if !contains(page.testIDText("notice"), "Plan made and active") {
		t.Errorf("notice %q", page.testIDText("notice"))
	}
	view = c.get(debtorPath).html(t)
	plansRows := view.testID("debtor-plan") // newest first; the fixture's completed plan is the other
	if len(plansRows) != 2 {
		t.Fatalf("%d plans in the debtor view, want 2", len(plansRows))
	}
	row := textOf(plansRows[0])
	for _, want := range []string{"Instalment plan", "Active", h.en().Money(5000, "EUR"), "Customer pays each instalment"} {
		if !contains(row, want) {
			t.Errorf("debtor view plan row %q lacks %q", row, want)
		}
	}
	if !contains(view.testIDText("timeline"), "Instalment plan (2 instalments) over") {
		t.Errorf("timeline: %q", view.testIDText("timeline"))
	}
	// R-1002 is now held: a second plan cannot take it.
	if res := c.post(debtorPath+"/plans", ask); res.StatusCode != http.StatusConflict {
		t.Errorf("a second plan for a held invoice = %d, want 409", res.StatusCode)
	}
}

// The policy editor saves (audited) and the next preview follows the
// new policy; the example on the page does too.
func TestStaffPlanPolicy(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin, adminID, _ := h.staffAccount(staff.RoleAdmin, h.a)
	admin.headers["Accept-Language"] = "en"
	page := admin.get("/staff/settings/plans")
	if page.StatusCode != http.StatusOK {
		t.Fatalf("GET policy = %d", page.StatusCode)
	}
	form := url.Values{}
	for _, n := range page.html(t).tag("input") {
		name, _ := attr(n, "name")
		v, _ := attr(n, "value")
		if strings.HasPrefix(name, "sample_") || name == "" {
			continue
		}
		form.Set(name, v)
	}
	if form.Get("max_instalments") != "12" || form.Get("min_instalment") != "10.00" || form.Get("max_total") != "5000.00" {
		t.Fatalf("policy form starts with %v", form)
	}
	if !contains(page.html(t).testIDText("policy-sample"), "approved at once") {
		t.Errorf("sample under the default policy: %q", page.html(t).testIDText("policy-sample"))
	}
	form.Set("max_instalments", "4")
	form.Set("auto_max_instalments", "3")
	form.Set("interest", "2.5")
	res := admin.post("/staff/settings/plans", form)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/staff/settings/plans?saved=1" {
		t.Fatalf("save = %d\n%s", res.StatusCode, res.html(t).text())
	}
	pol, err := h.st.PlanPolicy(h.ctx, h.a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if pol.MaxInstalments != 4 || pol.AutoMaxInstalments != 3 || pol.InterestBP != 250 || pol.MinInstalmentMinor != 1000 {
		t.Errorf("saved policy: %+v", pol)
	}
	var before, after string
	if err := h.db.QueryRow(`SELECT before::text, after::text FROM audit_log WHERE action = 'plan.policy_updated' AND staff_id = $1`,
		adminID).Scan(&before, &after); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(after, `"max_instalments": 4`) || !strings.Contains(before, `"max_instalments": 12`) ||
		!strings.Contains(after, `"interest_bp": 250`) || strings.Contains(after, "grace_days") {
		t.Errorf("audit: before %s after %s", before, after)
	}
	saved := admin.get(res.Header.Get("Location")).html(t)
	if !contains(saved.testIDText("notice"), "saved") {
		t.Error("no saved notice")
	}
	if !contains(saved.testIDText("sample-refused"), h.en().T("error.plan.instalments", "Max", 4)) {
		t.Errorf("sample after the change: %q", saved.testIDText("policy-sample"))
	}

	// The next preview uses it: 6 instalments are refused, in both languages.
	for _, lang := range []string{"en", "de"} {
		c, _, _ := arClient(h, lang)
		res := c.post("/staff/debtors/"+strconv.FormatInt(h.alice.ID, 10)+"/plans", url.Values{"invoice": {"R-1001"},
			"kind": {"instalments"}, "instalments": {"6"}, "day": {"1"}, "action": {"preview"}})
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("%s: 6 instalments under a 4-instalment policy = %d", lang, res.StatusCode)
		}
		want := h.cat.Locale(lang).T("error.plan.instalments", "Max", 4)
		if !contains(res.html(t).text(), want) {
			t.Errorf("%s: no %q", lang, want)
		}
		if v, _ := attr(res.html(t).byID("instalments"), "value"); v != "6" {
			t.Errorf("%s: the typed 6 is lost: %q", lang, v)
		}
	}
}

// Invalid policy values come back with messages in the staff member's
// language and the typed values; nothing is saved.
func TestStaffPlanPolicyInvalid(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	bad := url.Values{"max_instalments": {"61"}, "min_instalment": {"zehn"}, "max_total": {"0"},
		"max_deferral_days": {"400"}, "down_payment": {"95"}, "fee": {"-1"}, "interest": {"30"},
		"no_broken_plan_months": {"12"}, "segments": {"privat, gewerbe"}, "auto_max_instalments": {"6"},
		"auto_max_total": {"1000"}, "auto_max_deferral_days": {"30"}, "grace_days": {"7"}}
	for _, lang := range []string{"en", "de"} {
		admin := h.staffClient(staff.RoleAdmin, h.a)
		admin.headers["Accept-Language"] = lang
		res := admin.post("/staff/settings/plans", bad)
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("%s: invalid policy = %d", lang, res.StatusCode)
		}
		loc := h.cat.Locale(lang)
		doc := res.html(t)
		text := doc.text()
		for _, want := range []string{
			loc.T("staff.policy.check_form"),
			loc.T("error.staff.plans.policy.between", "Min", 2, "Max", 60),
			loc.T("error.staff.plans.policy.amount"),
			loc.T("error.staff.plans.policy.between", "Min", 1, "Max", 365),
			loc.T("error.staff.plans.policy.percent", "Max", 90),
			loc.T("error.staff.plans.policy.percent", "Max", 25),
		} {
			if !contains(text, want) {
				t.Errorf("%s: no %q", lang, want)
			}
		}
		if v, _ := attr(doc.byID("max_instalments"), "value"); v != "61" {
			t.Errorf("%s: typed value lost: %q", lang, v)
		}
		if v, _ := attr(doc.byID("max_instalments"), "aria-invalid"); v != "true" {
			t.Errorf("%s: max_instalments not marked invalid", lang)
		}
	}
	// Amounts that parse but break the rules: positive, not negative, the band inside the limits.
	admin := h.staffClient(staff.RoleAdmin, h.a)
	admin.headers["Accept-Language"] = "en"
	bad2 := url.Values{"max_instalments": {"6"}, "min_instalment": {"0"}, "max_total": {"500"},
		"max_deferral_days": {"30"}, "down_payment": {"0"}, "fee": {"0"}, "interest": {"0"},
		"no_broken_plan_months": {"0"}, "segments": {""}, "auto_max_instalments": {"8"},
		"auto_max_total": {"600"}, "auto_max_deferral_days": {"31"}, "grace_days": {"61"}}
	res := admin.post("/staff/settings/plans", bad2)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("invalid policy = %d", res.StatusCode)
	}
	for _, key := range []string{"error.staff.plans.policy.positive", "error.staff.plans.policy.band_instalments",
		"error.staff.plans.policy.band_total", "error.staff.plans.policy.band_deferral"} {
		if !contains(res.html(t).text(), h.en().T(key)) {
			t.Errorf("no %q", h.en().T(key))
		}
	}
	if n := h.queryInt(`SELECT count(*) FROM plan_policies`); n != 0 {
		t.Error("an invalid policy was saved")
	}
	if n := h.queryInt(`SELECT count(*) FROM audit_log WHERE action = 'plan.policy_updated'`); n != 0 {
		t.Error("an invalid policy was audited")
	}
	// AR may not edit the policy.
	c, _, _ := arClient(h, "en")
	if res := c.get("/staff/settings/plans"); res.StatusCode != http.StatusForbidden {
		t.Errorf("AR GET policy = %d", res.StatusCode)
	}
}

// Another creditor's plan is not found, for reading and for deciding.
func TestStaffPlanCrossCreditor(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	p := h.requestPlan("")
	path := "/staff/plans/" + strconv.FormatInt(p.ID, 10)
	other := h.staffClient(staff.RoleAdmin, h.b)
	for _, res := range []*tresp{other.get(path), other.get(path + "/offer"), other.post(path+"/approve", nil),
		other.post(path+"/reject", url.Values{"reason": {"nein"}}),
		other.post(path+"/offer", url.Values{"kind": {"deferral"}, "defer_to": {"2026-12-20"}, "action": {"send"}}),
		other.post(path+"/cancel", url.Values{"confirm": {"yes"}})} {
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("creditor B on A's plan: %s %s = %d, want 404", res.Request.Method, res.Request.URL.Path, res.StatusCode)
		}
		if strings.Contains(res.body, aliceName) {
			t.Error("creditor B sees alice")
		}
	}
	if s := planStatus(h, p.ID); s != "requested" {
		t.Errorf("after creditor B's tries the plan is %s", s)
	}
	carols := h.addPlan(h.b, h.carol)
	own := h.staffClient(staff.RoleAdmin, h.a)
	if res := own.get("/staff/plans/" + carols); res.StatusCode != http.StatusNotFound {
		t.Errorf("creditor A's admin on carol's plan = %d", res.StatusCode)
	}
	if res := other.post("/staff/debtors/"+strconv.FormatInt(h.alice.ID, 10)+"/plans", url.Values{"invoice": {"R-1001"},
		"kind": {"deferral"}, "defer_to": {"2026-12-20"}, "action": {"preview"}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("creditor B previews a plan for alice = %d", res.StatusCode)
	}
}
