package handlers

// A promise to pay taken on the phone is bound by the same window as one
// made in the portal: the creditor's plan policy's longest deferral
// (ar.PromiseWindow), 60 days by default.

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/staff"
)

func TestPromiseWindowSameForStaffAndPortal(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	agent := h.staffClient(staff.RoleAgent, h.a)
	debtor := h.steppedUp(h.alice)
	ahead := func(days int) string { return testStart.AddDate(0, 0, days).Format(time.DateOnly) }
	call := func(date string, lang string) *tresp {
		return agent.post(aliceURL(h, "/calls"), url.Values{"direction": {"inbound"}, "outcome": {"promise"},
			"promise_amount": {"10,00"}, "promise_date": {date}}, "Accept-Language", lang)
	}
	portal := func(date string) *tresp {
		return debtor.post("/account/promise", url.Values{"amount": {"10,00"}, "date": {date}}, "Accept-Language", "en")
	}
	refused := func(who string, res *tresp, want string) {
		t.Helper()
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("%s = %d, want 422", who, res.StatusCode)
		}
		if !strings.Contains(res.body, want) {
			t.Errorf("%s does not say %q", who, want)
		}
	}

	// The default policy: 60 days, not the 90 the call log allowed before.
	view := agent.get(aliceURL(h, ""), "Accept-Language", "en").html(t)
	if got := view.testIDText("promise-date-hint"); !strings.Contains(got, "At most 60 days ahead") {
		t.Errorf("call form hint %q", got)
	}
	refused("staff, 61 days", call(ahead(61), "en"), norm(h.en().T("error.staff.promises_more.date_far", "Days", 60)))
	refused("staff, 61 days (de)", call(ahead(61), "de"), norm(h.de().T("error.staff.promises_more.date_far", "Days", 60)))
	refused("staff, 90 days", call(ahead(90), "en"), "at most 60 days from today")
	refused("portal, 61 days", portal(ahead(61)), h.en().T("error.promise.date_far", "Days", 60))
	refused("staff, yesterday", call(ahead(-1), "en"), h.en().T("error.staff.promise.date", "Days", 60))
	if n := h.queryInt(`SELECT count(*) FROM promises`); n != 0 {
		t.Fatalf("%d promises after refusals", n)
	}
	if res := call(ahead(60), "en"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("staff, 60 days = %d: %s", res.StatusCode, res.body)
	}
	if res := portal(ahead(60)); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("portal, 60 days = %d: %s", res.StatusCode, res.body)
	}

	// A creditor that allows 30 days: both sides follow it.
	p := ar.DefaultPlanPolicy(h.a.ID)
	p.MaxDeferralDays, p.AutoMaxDeferral = 30, 30
	p.Segments = []string{}
	if err := h.st.SavePlanPolicy(h.ctx, p); err != nil {
		t.Fatal(err)
	}
	refused("staff, 31 days", call(ahead(31), "en"), norm(h.en().T("error.staff.promises_more.date_far", "Days", 30)))
	refused("portal, 31 days", portal(ahead(31)), h.en().T("error.promise.date_far", "Days", 30))
	if got := agent.get(aliceURL(h, ""), "Accept-Language", "de").html(t).testIDText("promise-date-hint"); !strings.Contains(got, "Höchstens 30 Tage") {
		t.Errorf("German call form hint %q", got)
	}
	if res := call(ahead(30), "en"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("staff, 30 days = %d: %s", res.StatusCode, res.body)
	}
	if res := portal(ahead(30)); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("portal, 30 days = %d: %s", res.StatusCode, res.body)
	}
	if n := h.queryInt(`SELECT count(*) FROM promises WHERE due_date = $1 OR due_date = $2`, ahead(60), ahead(30)); n != 4 {
		t.Errorf("%d promises at the window's ends, want 4", n)
	}
}
