package handlers

// The debtor's side of payment plans: "I need more time", the schedule
// before confirming, the plan's page, offers, the dashboard and history.

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/i18n"
	"github.com/settle/settle/internal/plans"
	"github.com/settle/settle/internal/staff"
)

// widerBand lets creditor A approve plans up to 2,000 € at once, so
// alice's two open invoices (1,382.48 €) fit the band.
func (h *harness) widerBand() ar.PlanPolicy {
	h.t.Helper()
	p := ar.DefaultPlanPolicy(h.a.ID)
	p.AutoMaxTotalMinor = 200000
	p.Segments = []string{} // SavePlanPolicy stores nil as NULL, which the column refuses
	if err := h.st.SavePlanPolicy(h.ctx, p); err != nil {
		h.t.Fatal(err)
	}
	return p
}

// planForm is the form for alice's R-1001 and R-1002 in n instalments on
// the 1st.
func planFormValues(n string, extra ...string) url.Values {
	v := url.Values{"invoice": {"R-1001", "R-1002"}, "kind": {"instalments"}, "split": {"count"},
		"instalments": {n}, "day": {"1"}, "defer_to": {"2026-12-07"}, "reason": {""}}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return v
}

// planOf is the public id in a redirect to a plan's page.
func planOf(t *testing.T, res *tresp, done string) string {
	t.Helper()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("status %d, want 303; body: %s", res.StatusCode, res.body)
	}
	loc := res.Header.Get("Location")
	id, q, _ := strings.Cut(strings.TrimPrefix(loc, "/account/plans/"), "?")
	if !strings.HasPrefix(loc, "/account/plans/plan_") || q != "done="+done {
		t.Fatalf("redirect to %q, want a plan's page with done=%s", loc, done)
	}
	return id
}

// planID is a plan's internal id.
func (h *harness) planID(publicID string) int64 {
	h.t.Helper()
	return int64(h.queryInt(`SELECT id FROM payment_plans WHERE public_id = $1`, publicID))
}

// checkFormLabels: every field a person fills in has a label (a
// label[for] or an enclosing label), and the page passes the CSP rules.
func checkFormLabels(t *testing.T, label string, res *tresp) {
	t.Helper()
	checkHeaders(t, label, res)
	doc := res.html(t)
	fors := map[string]bool{}
	for _, l := range doc.tag("label") {
		if v, ok := attr(l, "for"); ok {
			fors[v] = true
		}
	}
	for _, n := range doc.all(func(n *htmlNode) bool { return n.Data == "input" || n.Data == "select" || n.Data == "textarea" }) {
		if typ, _ := attr(n, "type"); typ == "hidden" || typ == "submit" {
			continue
		}
		inLabel := false
		for p := n.Parent; p != nil; p = p.Parent {
			if p.Data == "label" {
				inLabel = true
			}
		}
		id, _ := attr(n, "id")
		if !inLabel && (id == "" || !fors[id]) {
			name, _ := attr(n, "name")
			t.Errorf("%s: <%s name=%q> has no label", label, n.Data, name)
		}
		if id != "" {
			if desc, ok := attr(n, "aria-describedby"); ok {
				for _, ref := range strings.Fields(desc) {
					if doc.byID(ref) == nil {
						t.Errorf("%s: #%s is described by #%s, which is not on the page", label, id, ref)
					}
				}
			}
		}
	}
	if len(doc.tag("h1")) != 1 {
		t.Errorf("%s: %d h1", label, len(doc.tag("h1")))
	}
}

func checkedValues(doc *htmlDoc, name string) (offered, checked []string) {
	for _, n := range doc.tag("input") {
		if v, _ := attr(n, "name"); v != name {
			continue
		}
		if typ, _ := attr(n, "type"); typ != "checkbox" {
			continue
		}
		val, _ := attr(n, "value")
		offered = append(offered, val)
		if _, ok := attr(n, "checked"); ok {
			checked = append(checked, val)
		}
	}
	return offered, checked
}

func inputValue(doc *htmlDoc, id string) string {
	n := doc.byID(id)
	if n == nil {
		return ""
	}
	if n.Data == "textarea" {
		return textOf(n)
	}
	v, _ := attr(n, "value")
	return v
}

// Inside the creditor's band: the schedule before confirming, then an
// active plan with its page, a message, a history entry, the dashboard
// notice and badges, and the first instalment payable.
func TestPlanInsideBand(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.widerBand()
	c := h.steppedUp(h.alice)
	en, de := h.en(), h.de()

	// The dashboard's "I need more time" leads to the form.
	dash := c.get("/account").html(t)
	if links := dash.testID("more-time-link"); len(links) != 1 {
		t.Fatalf("dashboard: %d more-time links", len(links))
	} else if href, _ := attr(links[0], "href"); href != "/account/more-time" {
		t.Errorf("dashboard: more time goes to %q", href)
	}

	res := c.get("/account/more-time", "Accept-Language", "en")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /account/more-time = %d", res.StatusCode)
	}
	checkFormLabels(t, "more-time form", res)
	doc := res.html(t)
	offered, checked := checkedValues(doc, "invoice")
	if strings.Join(offered, ",") != "R-1001,R-1002" && strings.Join(offered, ",") != "R-1002,R-1001" {
		t.Errorf("offered %v, want the open R-1001 and R-1002 (R-1003 is paid)", offered)
	}
	if len(checked) != len(offered) {
		t.Errorf("checked %v of %v: all should be chosen at first", checked, offered)
	}
	if !contains(doc.text(), en.T("form.plan.day_hint")) || !strings.Contains(en.T("form.plan.day_hint"), "payday") {
		t.Error("the day has no payday hint")
	}
	if got := c.get("/account/more-time?invoice=R-1002").html(t); true {
		if _, chk := checkedValues(got, "invoice"); strings.Join(chk, ",") != "R-1002" {
			t.Errorf("?invoice=R-1002 chose %v", chk)
		}
	}

	// The schedule: six instalments, the first with the remainder.
	form := planFormValues("6", "reason", "Kurzarbeit bis März")
	res = c.post("/account/more-time", form, "Accept-Language", "en")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("POST /account/more-time = %d; %s", res.StatusCode, res.html(t).testIDText("more-time"))
	}
	checkFormLabels(t, "preview", res)
	doc = res.html(t)
	lines := doc.testID("schedule-line")
	if len(lines) != 6 {
		t.Fatalf("%d schedule lines, want 6", len(lines))
	}
	if first := textOf(lines[0]); !contains(first, en.Money(23248, "EUR")) || !contains(first, en.Date(civil("2026-12-01"))) {
		t.Errorf("first instalment %q, want 232.48 on 1 Dec", first)
	}
	if last := textOf(lines[5]); !contains(last, en.Money(23000, "EUR")) || !contains(last, en.Date(civil("2027-05-01"))) {
		t.Errorf("last instalment %q, want 230.00 on 1 May", last)
	}
	if !contains(doc.testIDText("plan-totals"), en.Money(138248, "EUR")) {
		t.Errorf("total: %q", doc.testIDText("plan-totals"))
	}
	if d := doc.testID("decision"); len(d) != 1 || !contains(textOf(d[0]), en.T("page.plan.preview.approve")) {
		t.Errorf("decision: %q", doc.testIDText("decision"))
	}
	if inputValue(doc, "instalments") != "6" || inputValue(doc, "reason") != "Kurzarbeit bis März" {
		t.Errorf("typed values lost: %q %q", inputValue(doc, "instalments"), inputValue(doc, "reason"))
	}
	if n := h.queryInt(`SELECT count(*) FROM payment_plans WHERE debtor_id = $1`, h.alice.ID); n != 1 {
		t.Errorf("the preview stored a plan (%d plans)", n)
	}

	// Confirm (German): active at once.
	id := planOf(t, c.post("/account/plans", form), "approved")
	if st := h.queryInt(`SELECT count(*) FROM payment_plans WHERE public_id = $1 AND status = 'active'`, id); st != 1 {
		t.Fatal("the plan is not active")
	}
	res = c.get("/account/plans/" + id + "?done=approved")
	checkFormLabels(t, "plan page", res)
	doc = res.html(t)
	if doc.h1() != norm(de.T("page.plan.show.heading.instalments")) || !contains(doc.testIDText("plan-status"), de.T("page.plan.status.active")) {
		t.Errorf("plan page: %q / %q", doc.h1(), doc.testIDText("plan-status"))
	}
	if !contains(doc.testIDText("plan-notice"), de.T("page.plan.notice.approved")) {
		t.Error("no confirmation on the plan's page")
	}
	ins := doc.testID("instalment")
	if len(ins) != 6 || len(doc.testID("next-instalment")) != 1 || !contains(textOf(ins[0]), de.T("page.plan.next")) {
		t.Errorf("instalments: %d, next marked %d times", len(ins), len(doc.testID("next-instalment")))
	}
	pay := doc.testID("pay-instalment")
	if len(pay) != 1 {
		t.Fatal("no pay-this-instalment link")
	}
	href, _ := attr(pay[0], "href")
	if href != "/account/pay?amount=232.48&invoice=R-1001&invoice=R-1002" {
		t.Errorf("pay link %q", href)
	}
	if !contains(doc.testIDText("plan-invoices"), "R-1001") || !contains(doc.testIDText("plan-invoices"), "R-1002") {
		t.Error("the plan's invoices are not listed")
	}
	if !contains(doc.text(), "Kurzarbeit bis März") {
		t.Error("the debtor's reason is not shown")
	}

	// The message, in alice's language (the creditor's: German).
	var subject, body string
	if err := h.db.QueryRow(`SELECT subject, body FROM messages WHERE debtor_id = $1 AND purpose = 'plan'`, h.alice.ID).Scan(&subject, &body); err != nil {
		t.Fatalf("no plan message: %v", err)
	}
	if !strings.Contains(subject, nameA) || !contains(body, de.Money(138248, "EUR")) || !strings.Contains(body, aliceName) ||
		!strings.Contains(body, testBase+"/l/") {
		t.Errorf("message: %q\n%s", subject, body)
	}

	// History and dashboard.
	hist := c.get("/account/history").html(t)
	want := de.T("history.plan.approved", "Plan", de.T("history.plan_kind.instalments"), "Amount", de.Money(138248, "EUR"))
	if !contains(hist.testIDText("history"), want) {
		t.Errorf("history lacks %q: %s", want, hist.testIDText("history"))
	}
	dash = c.get("/account").html(t)
	notices := dash.testID("plan-notice")
	if len(notices) != 1 || !contains(textOf(notices[0]), de.Money(23248, "EUR")) || !contains(textOf(notices[0]), de.DateLong(civil("2026-12-01"))) {
		t.Errorf("dashboard notice: %v", dash.testIDText("plan-notice"))
	}
	badges := map[string]bool{}
	for _, n := range dash.testID("invoice") {
		num, _ := attr(n, "data-number")
		badges[num] = strings.Contains(textOf(n), norm(de.T("page.plan.badge.active")))
	}
	if !badges["R-1001"] || !badges["R-1002"] || badges["R-1003"] {
		t.Errorf("in-plan badges: %v", badges)
	}
	// R-1001 was overdue; in the active plan it is not any more, and the
	// overdue total no longer counts it.
	for _, n := range dash.testID("invoice") {
		if num, _ := attr(n, "data-number"); num == "R-1001" && strings.Contains(textOf(n), norm(de.T("status.overdue"))) {
			t.Errorf("an invoice in the active plan is still marked overdue: %q", textOf(n))
		}
	}
	if acc, err := h.portal.Account(h.ctx, h.a.ID, h.alice.ID); err != nil || acc.Summary.OverdueMinor != 0 || acc.Summary.PlanMinor != 138248 {
		t.Errorf("summary with the plan: %+v %v", acc.Summary, err)
	}

	// The held invoices are not offered again.
	doc = c.get("/account/more-time").html(t)
	if offered, _ := checkedValues(doc, "invoice"); len(offered) != 0 || len(doc.testID("nothing-to-plan")) != 1 {
		t.Errorf("after the plan, offered %v", offered)
	}

	// The list.
	res = c.get("/account/plans")
	checkHeaders(t, "plans list", res)
	if items := res.html(t).testID("plan-item"); len(items) != 2 {
		t.Errorf("%d plans listed, want the new one and the fixture", len(items))
	}
}

// Outside the band: a request for staff, with the reason why, a task in
// the plan queue; the debtor can withdraw it.
func TestPlanOutsideBand(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.widerBand()
	c := h.steppedUp(h.alice)
	en := h.en()
	form := planFormValues("10", "reason", "Kurzarbeit bis März")

	doc := c.post("/account/more-time", form, "Accept-Language", "en").html(t)
	d := doc.testID("decision")
	if len(d) != 1 || !contains(textOf(d[0]), en.T("page.plan.preview.review")) || !contains(textOf(d[0]), en.T("plan.review.instalments")) {
		t.Errorf("decision: %q", doc.testIDText("decision"))
	}
	if !contains(doc.testIDText("confirm"), en.T("form.plan.send_request")) {
		t.Errorf("button: %q", doc.testIDText("confirm"))
	}
	id := planOf(t, c.post("/account/plans", form), "requested")
	pid := h.planID(id)
	if n := h.queryInt(`SELECT count(*) FROM staff_tasks WHERE kind = 'plan_request' AND subject_id = $1 AND done_at IS NULL
		AND note = 'Kurzarbeit bis März'`, pid); n != 1 {
		t.Errorf("%d open plan-request tasks", n)
	}
	if n := h.queryInt(`SELECT count(*) FROM messages WHERE purpose = 'plan'`); n != 0 {
		t.Errorf("%d plan messages before a decision", n)
	}
	res := c.get("/account/plans/"+id, "Accept-Language", "en")
	checkFormLabels(t, "requested plan", res)
	doc = res.html(t)
	if !contains(doc.testIDText("plan-status"), en.T("page.plan.status.requested")) || !contains(doc.testIDText("plan-state"), en.T("plan.review.instalments")) {
		t.Errorf("requested plan: %q / %q", doc.testIDText("plan-status"), doc.testIDText("plan-state"))
	}
	if len(doc.testID("pay-instalment")) != 0 || len(doc.testID("withdraw")) != 1 {
		t.Error("a request offers payment, or cannot be withdrawn")
	}
	dash := c.get("/account", "Accept-Language", "en").html(t)
	if n := dash.testID("plan-notice"); len(n) != 1 || !contains(textOf(n[0]), en.T("page.plan.dashboard.requested.title.instalments")) {
		t.Errorf("dashboard: %q", dash.testIDText("plan-notice"))
	}
	if !contains(dash.testIDText("invoices"), en.T("page.plan.badge.pending")) {
		t.Error("the invoices do not say more time was asked for")
	}
	hist := c.get("/account/history", "Accept-Language", "en").html(t)
	if !contains(hist.text(), en.T("history.plan.requested", "Plan", en.T("history.plan_kind.instalments"), "Amount", en.Money(138248, "EUR"))) {
		t.Error("history: no request entry")
	}

	// Withdraw it; twice is harmless.
	if id2 := planOf(t, c.post("/account/plans/"+id+"/cancel", nil), "withdrawn"); id2 != id {
		t.Fatal("withdraw went elsewhere")
	}
	if n := h.queryInt(`SELECT count(*) FROM payment_plans WHERE id = $1 AND status = 'cancelled'`, pid); n != 1 {
		t.Error("the request is not cancelled")
	}
	if n := h.queryInt(`SELECT count(*) FROM staff_tasks WHERE subject_id = $1 AND done_at IS NULL`, pid); n != 0 {
		t.Error("the withdrawn request is still in the queue")
	}
	planOf(t, c.post("/account/plans/"+id+"/cancel", nil), "decided")
	if offered, _ := checkedValues(c.get("/account/more-time").html(t), "invoice"); len(offered) != 2 {
		t.Errorf("after withdrawing, offered %v", offered)
	}
}

// Refused input: 422 with the message beside the field, in the
// debtor's language, and everything typed still there; nothing stored.
func TestPlanInvalidInput(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.steppedUp(h.alice)
	before := h.queryInt(`SELECT count(*) FROM payment_plans`)
	cases := []struct {
		name, field, key string
		args             []any
		form             url.Values
	}{
		{"day 31", "day", "error.plan.day", []any{"Max", 28}, planFormValues("6", "day", "31", "reason", "Kurzarbeit")},
		{"0 instalments", "instalments", "error.plan.instalments", []any{"Max", 12}, planFormValues("0", "reason", "Kurzarbeit")},
		{"not a number", "instalments", "error.plan.instalments", []any{"Max", 12}, planFormValues("sechs", "reason", "Kurzarbeit")},
		{"deferral beyond the policy", "defer_to", "error.plan.defer_to", []any{"Max", 60},
			planFormValues("6", "kind", "deferral", "defer_to", "2027-03-01", "reason", "Kurzarbeit")},
		{"no invoice", "invoice", "error.plan.no_invoice", nil, func() url.Values {
			v := planFormValues("6", "reason", "Kurzarbeit")
			v.Del("invoice")
			return v
		}()},
		{"monthly amount unreadable", "monthly", "error.plan.monthly", nil,
			planFormValues("", "split", "monthly", "monthly", "fünfzig", "reason", "Kurzarbeit")},
		{"instalments too small", "monthly", "error.plan.instalment_too_small", []any{"Min", "10,00 €"},
			func() url.Values {
				v := planFormValues("", "split", "monthly", "monthly", "5", "reason", "Kurzarbeit")
				v["invoice"] = []string{"R-1002"}
				return v
			}()},
		{"another debtor's invoice", "invoice", "error.plan.invoice_unavailable", nil,
			planFormValues("6", "invoice", "R-2001", "reason", "Kurzarbeit")},
	}
	for _, tc := range cases {
		for _, lang := range []string{"de", "en"} {
			for _, path := range []string{"/account/more-time", "/account/plans"} {
				res := c.post(path, tc.form, "Accept-Language", lang)
				label := tc.name + " " + lang + " " + path
				if res.StatusCode != http.StatusUnprocessableEntity {
					t.Errorf("%s: %d, want 422", label, res.StatusCode)
					continue
				}
				doc := res.html(t)
				args := tc.args
				if tc.key == "error.plan.instalment_too_small" && lang == "en" {
					args = []any{"Min", "€10.00"}
				}
				want := h.cat.Locale(lang).T(tc.key, args...)
				if got := doc.testIDText("error-" + tc.field); !contains(got, want) {
					t.Errorf("%s: error %q, want %q", label, got, want)
				}
				if f := doc.byID(tc.field); f != nil {
					if v, _ := attr(f, "aria-invalid"); v != "true" {
						t.Errorf("%s: the field is not marked invalid", label)
					}
				}
				if inputValue(doc, "reason") != "Kurzarbeit" || (tc.form.Get("instalments") != "" && inputValue(doc, "instalments") != tc.form.Get("instalments")) {
					t.Errorf("%s: typed values lost", label)
				}
				if tc.form.Get("monthly") != "" && inputValue(doc, "monthly") != tc.form.Get("monthly") {
					t.Errorf("%s: monthly amount lost", label)
				}
				if len(doc.testID("plan-preview")) != 0 {
					t.Errorf("%s: a schedule is shown", label)
				}
				if lang == "de" && path == "/account/more-time" {
					checkFormLabels(t, label, res)
				}
			}
		}
	}
	if n := h.queryInt(`SELECT count(*) FROM payment_plans`); n != before {
		t.Errorf("refused input stored %d plans", n-before)
	}
}

// An invoice a plan holds is not offered, and a forged request naming it
// is refused (409) with a message that says why.
func TestPlanInvoiceTaken(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	if _, err := h.srv.Plans.Request(h.ctx, h.a, h.alice.ID, []string{"R-1002"},
		ar.PlanAsk{Kind: ar.PlanDeferral, DeferTo: civil("2026-12-10")}, "", plans.By{}); err != nil {
		t.Fatal(err)
	}
	c := h.steppedUp(h.alice)
	doc := c.get("/account/more-time", "Accept-Language", "en").html(t)
	if offered, _ := checkedValues(doc, "invoice"); strings.Join(offered, ",") != "R-1001" {
		t.Errorf("offered %v, want only R-1001", offered)
	}
	if !contains(doc.testIDText("in-plan"), "R-1002") {
		t.Error("the page does not say R-1002 is in a plan")
	}
	before := h.queryInt(`SELECT count(*) FROM payment_plans`)
	for _, lang := range []string{"en", "de"} {
		for _, path := range []string{"/account/more-time", "/account/plans"} {
			res := c.post(path, planFormValues("3", "reason", "bitte"), "Accept-Language", lang)
			if res.StatusCode != http.StatusConflict {
				t.Errorf("%s %s naming a held invoice = %d, want 409", lang, path, res.StatusCode)
				continue
			}
			doc := res.html(t)
			if !contains(doc.testIDText("form-error"), h.cat.Locale(lang).T("error.plan.invoice_taken")) {
				t.Errorf("%s %s: %q", lang, path, doc.testIDText("form-error"))
			}
			if inputValue(doc, "reason") != "bitte" {
				t.Errorf("%s %s: the reason is lost", lang, path)
			}
		}
	}
	if n := h.queryInt(`SELECT count(*) FROM payment_plans`); n != before {
		t.Error("a second plan holds the invoice")
	}
}

// Staff answer a request with another schedule: the debtor accepts it
// (active) or declines it (cancelled, the invoices free again).
func TestPlanOffer(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	staffID, _ := strconv.ParseInt(h.staffUserID(h.addStaff(staff.RoleAR, h.a, false)), 10, 64)
	offer := func(d *ar.Debtor, numbers []string) (request, offered string) {
		t.Helper()
		c := h.creditorOf(d)
		p, err := h.srv.Plans.Request(h.ctx, c, d.ID, numbers, ar.PlanAsk{Kind: ar.PlanInstalments, Instalments: 10, Day: 15}, "Elternzeit", plans.By{})
		if err != nil || p.Status != ar.PlanRequested {
			t.Fatalf("request: %v %v", p, err)
		}
		o, err := h.srv.Plans.Offer(h.ctx, c, staffID, p.ID, ar.PlanAsk{Kind: ar.PlanInstalments, Instalments: 6, Day: 15}, "Sechs Raten gehen")
		if err != nil {
			t.Fatal(err)
		}
		return p.PublicID, o.PublicID
	}

	t.Run("accept", func(t *testing.T) {
		req, off := offer(h.alice, []string{"R-1001"})
		c := h.steppedUp(h.alice)
		dash := c.get("/account").html(t)
		if n := dash.testID("plan-notice"); len(n) != 1 || !contains(textOf(n[0]), h.de().T("page.plan.dashboard.offered.title.instalments")) {
			t.Errorf("dashboard: %q", dash.testIDText("plan-notice"))
		}
		res := c.get("/account/plans/" + off)
		checkFormLabels(t, "offer", res)
		doc := res.html(t)
		if !contains(doc.testIDText("plan-status"), h.de().T("page.plan.status.offered")) || !contains(doc.testIDText("decision-note"), "Sechs Raten gehen") ||
			len(doc.testID("accept")) != 1 || len(doc.testID("decline")) != 1 || len(doc.testID("instalment")) != 6 {
			t.Errorf("offer page: %q", doc.testIDText("plan"))
		}
		if len(doc.testID("pay-instalment")) != 0 {
			t.Error("an offer can be paid before it is accepted")
		}
		// The replaced request points to the offer.
		doc = c.get("/account/plans/" + req).html(t)
		if l := doc.testID("offer-link"); len(l) != 1 {
			t.Error("the replaced request does not point to the offer")
		} else if href, _ := attr(l[0], "href"); href != "/account/plans/"+off {
			t.Errorf("offer link %q", href)
		}
		if n := h.queryInt(`SELECT count(*) FROM messages WHERE debtor_id = $1 AND purpose = 'plan'`, h.alice.ID); n != 1 {
			t.Errorf("%d messages about the offer", n)
		}
		planOf(t, c.post("/account/plans/"+off+"/accept", nil), "accepted")
		if n := h.queryInt(`SELECT count(*) FROM payment_plans WHERE public_id = $1 AND status = 'active'`, off); n != 1 {
			t.Error("the accepted offer is not active")
		}
		if h.interactions(h.alice, "plan.accepted") != 1 {
			t.Error("no timeline entry for the acceptance")
		}
		// A second click changes nothing and says so.
		planOf(t, c.post("/account/plans/"+off+"/accept", nil), "decided")
		planOf(t, c.post("/account/plans/"+off+"/decline", nil), "decided")
		doc = c.get("/account/plans/" + off + "?done=decided").html(t)
		if !contains(doc.testIDText("plan-notice"), h.de().T("page.plan.notice.decided")) || len(doc.testID("pay-instalment")) != 1 {
			t.Errorf("after a second click: %q", doc.testIDText("plan"))
		}
		hist := c.get("/account/history").html(t)
		de := h.de()
		for _, want := range []string{
			de.T("history.plan.offered", "Plan", de.T("history.plan_kind.instalments"), "Amount", de.Money(133248, "EUR"), "Note", "Sechs Raten gehen"),
			de.T("history.plan.accepted", "Plan", de.T("history.plan_kind.instalments"), "Amount", de.Money(133248, "EUR")),
		} {
			if !contains(hist.testIDText("history"), want) {
				t.Errorf("history lacks %q", want)
			}
		}
	})

	t.Run("decline", func(t *testing.T) {
		_, off := offer(h.bob, []string{"R-2001"})
		c := h.steppedUp(h.bob) // bob reads English
		if res := c.get("/account/plans/" + off); !contains(res.html(t).testIDText("plan-state"), h.en().T("page.plan.state.offered")) {
			t.Errorf("offer page in English: %q", res.html(t).testIDText("plan-state"))
		}
		planOf(t, c.post("/account/plans/"+off+"/decline", nil), "declined")
		if n := h.queryInt(`SELECT count(*) FROM payment_plans WHERE public_id = $1 AND status = 'cancelled'`, off); n != 1 {
			t.Error("the declined offer is not cancelled")
		}
		doc := c.get("/account/plans/" + off + "?done=declined").html(t)
		if !contains(doc.testIDText("plan-notice"), h.en().T("page.plan.notice.declined")) ||
			!contains(doc.testIDText("plan-status"), h.en().T("page.plan.status.cancelled")) {
			t.Errorf("declined: %q", doc.testIDText("plan"))
		}
		if offered, _ := checkedValues(c.get("/account/more-time").html(t), "invoice"); strings.Join(offered, ",") != "R-2001" {
			t.Errorf("after declining, offered %v", offered)
		}
	})

	t.Run("another debtor's plan", func(t *testing.T) {
		// Bob's request, offered to him: alice cannot see or answer it.
		p, err := h.srv.Plans.Request(h.ctx, h.a, h.bob.ID, []string{"R-2001"}, ar.PlanAsk{Kind: ar.PlanInstalments, Instalments: 10, Day: 15}, "", plans.By{})
		if err != nil {
			t.Fatal(err)
		}
		o, err := h.srv.Plans.Offer(h.ctx, h.a, staffID, p.ID, ar.PlanAsk{Kind: ar.PlanInstalments, Instalments: 6, Day: 15}, "")
		if err != nil {
			t.Fatal(err)
		}
		c := h.steppedUp(h.alice)
		if res := c.get("/account/plans/" + o.PublicID); res.StatusCode != http.StatusNotFound || strings.Contains(res.body, "R-2001") {
			t.Errorf("alice sees bob's offer: %d", res.StatusCode)
		}
		for _, step := range []string{"accept", "decline", "cancel"} {
			if res := c.post("/account/plans/"+o.PublicID+"/"+step, nil); res.StatusCode != http.StatusNotFound {
				t.Errorf("alice's %s on bob's offer = %d, want 404", step, res.StatusCode)
			}
		}
		if n := h.queryInt(`SELECT count(*) FROM payment_plans WHERE id = $1 AND status = 'offered'`, o.ID); n != 1 {
			t.Error("bob's offer changed")
		}
	})
}

// "Pay this instalment" opens the payment page with the instalment's
// amount and the plan's invoices chosen; paid at the checkout, the
// instalment is paid and the next one is due.
func TestPlanPayInstalment(t *testing.T) {
	t.Parallel()
	h, sim, ck := payHarness(t)
	h.widerBand()
	c := h.steppedUp(h.alice)
	id := planOf(t, c.post("/account/plans", planFormValues("6")), "approved")
	doc := c.get("/account/plans/" + id).html(t)
	pay := doc.testID("pay-instalment")
	if len(pay) != 1 {
		t.Fatal("no pay-this-instalment link")
	}
	href, _ := attr(pay[0], "href")
	if !contains(textOf(pay[0]), h.de().Money(23248, "EUR")) {
		t.Errorf("pay button %q", textOf(pay[0]))
	}
	doc = c.get(href).html(t)
	if inputValue(doc, "amount") != "232,48" {
		t.Errorf("pay page amount %q, want 232,48", inputValue(doc, "amount"))
	}
	if _, chk := checkedValues(doc, "invoice"); strings.Join(chk, ",") != "R-1001,R-1002" {
		t.Errorf("pay page chose %v, want R-1001 and R-1002", chk)
	}
	if doc := c.get("/account/pay?amount=232.48&invoice=R-1001", "Accept-Language", "en").html(t); inputValue(doc, "amount") != "232.48" {
		t.Errorf("English pay page amount %q", inputValue(doc, "amount"))
	}
	if doc := c.get("/account/pay?amount=999999").html(t); inputValue(doc, "amount") != formatAmountInput(h.openMinor(h.alice), "de") {
		t.Errorf("an amount above what is open is not ignored: %q", inputValue(doc, "amount"))
	}
	if doc := c.get("/account/pay").html(t); inputValue(doc, "amount") != formatAmountInput(h.openMinor(h.alice), "de") {
		t.Errorf("without a link the pay page proposes %q", inputValue(doc, "amount"))
	}

	res := c.post("/account/payments", url.Values{"amount": {"232,48"}, "invoice": {"R-1001", "R-1002"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("pay: %d", res.StatusCode)
	}
	var publicID string
	if err := h.db.Get(&publicID, `SELECT public_id FROM payments WHERE provider_id IS NOT NULL`); err != nil {
		t.Fatal(err)
	}
	if err := sim.SetStatus(h.providerID(publicID), "paid"); err != nil {
		t.Fatal(err)
	}
	if err := ck.SyncProviderID(h.ctx, h.providerID(publicID)); err != nil {
		t.Fatal(err)
	}
	doc = c.get("/account/plans/" + id).html(t)
	ins := doc.testID("instalment")
	if st, _ := attr(ins[0], "data-state"); st != "paid" || len(ins) != 6 {
		t.Fatalf("first instalment %q after paying it", st)
	}
	if !contains(textOf(ins[1]), h.de().T("page.plan.next")) || !contains(doc.testIDText("plan-paid"), h.de().Money(23248, "EUR")) {
		t.Errorf("after paying the first: %q", doc.testIDText("instalments"))
	}
	if pay := doc.testID("pay-instalment"); len(pay) != 1 || !contains(textOf(pay[0]), h.de().Money(23000, "EUR")) {
		t.Error("the second instalment is not payable next")
	}
}

// Before the step-up the plan pages send the debtor to it, and back.
func TestPlanPagesNeedStepUp(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.entered(h.alice)
	for _, p := range []string{"/account/more-time", "/account/plans", "/account/plans/" + alicePlan} {
		res := c.get(p)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account/verify?next="+url.QueryEscape(p) {
			t.Errorf("GET %s before the step-up = %d to %q", p, res.StatusCode, res.Header.Get("Location"))
		}
	}
	if res := c.post("/account/plans", planFormValues("3")); res.StatusCode != http.StatusSeeOther ||
		!strings.HasPrefix(res.Header.Get("Location"), "/account/verify") {
		t.Errorf("POST /account/plans before the step-up = %d", res.StatusCode)
	}
	if n := h.queryInt(`SELECT count(*) FROM payment_plans WHERE debtor_id = $1`, h.alice.ID); n != 1 {
		t.Error("a plan was made without the step-up")
	}
}

// The plan pages build some keys from a plan's kind and status: every
// combination has a text in every language.
func TestPlanKeysForEveryState(t *testing.T) {
	t.Parallel()
	cat := i18n.MustLoad()
	kinds := []ar.PlanKind{ar.PlanInstalments, ar.PlanDeferral}
	statuses := []ar.PlanStatus{ar.PlanRequested, ar.PlanOffered, ar.PlanActive, ar.PlanRejected, ar.PlanCompleted, ar.PlanBroken, ar.PlanCancelled}
	var keys []string
	for _, k := range kinds {
		keys = append(keys, "page.plan.show.title."+string(k), "page.plan.show.heading."+string(k), "page.plan.preview.heading."+string(k),
			"page.plan.kind."+string(k), "history.plan_kind."+string(k))
		for _, st := range statuses {
			if st.Holds() {
				keys = append(keys, "page.plan.dashboard."+string(st)+".title."+string(k))
			}
		}
	}
	for _, st := range statuses {
		keys = append(keys, "page.plan.status."+string(st), "page.plan.state."+string(st))
	}
	for _, k := range []string{plans.KindRequested, plans.KindApproved, plans.KindRejected, plans.KindOffered, plans.KindAccepted,
		plans.KindCancelled, plans.KindCompleted, plans.KindBroken} {
		if !historyKinds[k] {
			t.Errorf("the debtor's history leaves out %s", k)
		}
		keys = append(keys, "history."+k)
	}
	for _, s := range []string{"paid", "overdue", "partly_paid", "open"} {
		keys = append(keys, "page.plan.instalment_state."+s)
	}
	for _, k := range []string{"segment", "broken_before", "amount", "deferral", "instalments"} {
		keys = append(keys, "plan.review."+k)
	}
	for _, k := range []string{"approved", "rejected", "offered"} {
		keys = append(keys, "message.plan."+k+".subject", "message.plan."+k+".email", "message.plan."+k+".sms")
	}
	for _, k := range planNoticeKeys {
		keys = append(keys, k)
	}
	for _, lang := range []string{"de", "en"} {
		for _, k := range keys {
			if !cat.Locale(lang).Has(k) {
				t.Errorf("%s: no text for %s", lang, k)
			}
		}
	}
}
