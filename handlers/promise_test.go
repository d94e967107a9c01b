package handlers

// Promises to pay in the portal: the form, refusals in both languages,
// the confirmation, the dashboard's notice, replacing an open promise,
// and the staff view's list.

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/settle/settle/internal/staff"
)

// promises counts a debtor's promises in a status.
func (h *harness) promises(status string) int {
	h.t.Helper()
	return h.queryInt(`SELECT count(*) FROM promises WHERE creditor_id = $1 AND debtor_id = $2 AND status = $3`,
		h.a.ID, h.alice.ID, status)
}

// promiseInput is the value attribute of the input named name.
func promiseInput(t *testing.T, doc *htmlDoc, name string) (value, invalid string) {
	t.Helper()
	for _, n := range doc.tag("input") {
		if v, _ := attr(n, "name"); v == name {
			value, _ = attr(n, "value")
			invalid, _ = attr(n, "aria-invalid")
			return value, invalid
		}
	}
	t.Fatalf("no input %q", name)
	return "", ""
}

// A valid promise is stored (source portal), lands on the timeline and
// the dashboard, and the debtor sees a confirmation with the date.
func TestPromiseMade(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.steppedUp(h.alice)

	// The ways in: the dashboard's actions and the "more time" page.
	if doc := c.get("/account").html(t); len(doc.testID("promise-link")) != 1 || len(doc.testID("promise-notice")) != 0 {
		t.Error("the dashboard has no link to promise a payment date (or shows a promise already)")
	}
	if doc := c.get("/account/more-time").html(t); len(doc.testID("more-time-promise")) != 1 {
		t.Error("the more-time page has no link to promise a payment date")
	}

	res := c.get("/account/promise")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /account/promise = %d", res.StatusCode)
	}
	checkFormLabels(t, "promise form", res)
	doc := res.html(t)
	open := h.openMinor(h.alice)
	if amount, _ := promiseInput(t, doc, "amount"); amount != formatAmountInput(open, "de") {
		t.Errorf("amount preset %q, want everything open (%s)", amount, formatAmountInput(open, "de"))
	}
	if date, _ := promiseInput(t, doc, "date"); date != "2026-11-30" {
		t.Errorf("date preset %q, want a week ahead", date)
	}
	if !contains(doc.testIDText("promise-open"), h.de().T("page.promise.open_total", "Amount", h.de().Money(open, "EUR"))) {
		t.Errorf("the form does not say what is open: %q", doc.testIDText("promise-open"))
	}

	res = c.post("/account/promise", url.Values{"amount": {"45,00"}, "date": {"2026-12-03"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account/promise?done=1" {
		t.Fatalf("POST = %d to %q; body: %s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	if n := h.queryInt(`SELECT count(*) FROM promises WHERE creditor_id = $1 AND debtor_id = $2 AND status = 'open'
		AND source = 'portal' AND amount_minor = 4500 AND due_date = '2026-12-03'`, h.a.ID, h.alice.ID); n != 1 {
		t.Fatalf("%d matching promises stored", n)
	}
	if n := h.queryInt(`SELECT count(*) FROM interactions WHERE debtor_id = $1 AND kind = 'promise.made' AND visibility = 'customer'
		AND (data->>'amount_minor')::bigint = 4500 AND data->>'date' = '2026-12-03'`, h.alice.ID); n != 1 {
		t.Errorf("%d promise.made entries", n)
	}
	done := c.get("/account/promise?done=1").html(t)
	want := h.de().T("page.promise.done.body", "Amount", "45,00\u00a0€", "Date", "3. Dezember 2026")
	if !contains(done.testIDText("promise-confirmation"), want) {
		t.Errorf("confirmation %q, want %q", done.testIDText("promise-confirmation"), want)
	}
	dash := c.get("/account").html(t)
	if want := h.de().T("page.promise.dashboard.body", "Amount", "45,00\u00a0€", "Date", "3. Dezember 2026"); !contains(dash.testIDText("promise-notice"), want) {
		t.Errorf("dashboard notice %q, want %q", dash.testIDText("promise-notice"), want)
	}
	en := c.get("/account?lang=en").html(t)
	if want := h.en().T("page.promise.dashboard.body", "Amount", "€45.00", "Date", "3 December 2026"); !contains(en.testIDText("promise-notice"), want) {
		t.Errorf("English dashboard notice %q, want %q", en.testIDText("promise-notice"), want)
	}
	hist := c.get("/account/history?lang=de").html(t)
	if want := h.de().T("history.promise.made", "Amount", "45,00\u00a0€", "Date", "03.12.2026"); !contains(hist.text(), want) {
		t.Errorf("the history lacks %q", want)
	}
	if n := h.queryInt(`SELECT count(*) FROM events WHERE creditor_id = $1 AND type = 'promise.made'`, h.a.ID); n != 1 {
		t.Errorf("%d promise.made events", n)
	}
}

// A second promise replaces the open one, which ends as cancelled; the
// form says there is one and starts from it.
func TestPromiseReplacesTheOpenOne(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.steppedUp(h.alice)
	c.post("/account/promise", url.Values{"amount": {"45,00"}, "date": {"2026-12-03"}})
	doc := c.get("/account/promise").html(t)
	if want := h.de().T("page.promise.current", "Amount", "45,00\u00a0€", "Date", "3. Dezember 2026"); !contains(doc.testIDText("promise-current"), want) {
		t.Errorf("the form does not show the open promise: %q", doc.testIDText("promise-current"))
	}
	if amount, _ := promiseInput(t, doc, "amount"); amount != "45,00" {
		t.Errorf("amount preset %q, want the open promise's", amount)
	}
	if res := c.post("/account/promise", url.Values{"amount": {"100"}, "date": {"2026-12-10"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("second promise = %d", res.StatusCode)
	}
	if h.promises("open") != 1 || h.promises("cancelled") != 1 {
		t.Fatalf("%d open, %d cancelled", h.promises("open"), h.promises("cancelled"))
	}
	if n := h.queryInt(`SELECT count(*) FROM promises WHERE debtor_id = $1 AND status = 'open' AND amount_minor = 10000`, h.alice.ID); n != 1 {
		t.Error("the new promise is not the open one")
	}
	if want := h.de().T("page.promise.dashboard.body", "Amount", "100,00\u00a0€", "Date", "10. Dezember 2026"); !contains(c.get("/account").html(t).testIDText("promise-notice"), want) {
		t.Error("the dashboard does not show the new promise")
	}
}

// Refusals: 422 with the field's message in the debtor's language,
// everything as typed, nothing stored.
func TestPromiseRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.steppedUp(h.alice)
	open := h.openMinor(h.alice)
	above := formatAmountInput(open+1, "de")
	cases := []struct {
		name, amount, date, field, key string
		args                           []any
	}{
		{"amount zero", "0", "2026-12-03", "amount", "error.promise.amount", nil},
		{"amount garbage", "viel", "2026-12-03", "amount", "error.promise.amount", nil},
		{"amount script", "<script>alert(1)</script>", "2026-12-03", "amount", "error.promise.amount", nil},
		{"amount above open", above, "2026-12-03", "amount", "error.promise.amount_above", []any{"Max", "MONEY"}},
		{"date past", "45,00", "2026-11-22", "date", "error.promise.date_past", []any{"Days", 60}},
		{"date beyond window", "45,00", "2027-01-23", "date", "error.promise.date_far", []any{"Days", 60}},
		{"date garbage", "45,00", "morgen", "date", "error.promise.date", nil},
		{"date empty", "45,00", "", "date", "error.promise.date", nil},
	}
	for _, tc := range cases {
		for _, lang := range []string{"de", "en"} {
			loc := h.cat.Locale(lang)
			args := append([]any(nil), tc.args...)
			for i := range args {
				if args[i] == "MONEY" {
					args[i] = loc.Money(open, "EUR")
				}
			}
			res := c.post("/account/promise?lang="+lang, url.Values{"amount": {tc.amount}, "date": {tc.date}})
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("%s (%s) = %d, want 422", tc.name, lang, res.StatusCode)
				continue
			}
			doc := res.html(t)
			if got, want := doc.testIDText("error-"+tc.field), loc.T(tc.key, args...); !contains(got, want) {
				t.Errorf("%s (%s): %s error %q, want %q", tc.name, lang, tc.field, got, want)
			}
			amount, amountInvalid := promiseInput(t, doc, "amount")
			date, dateInvalid := promiseInput(t, doc, "date")
			if amount != tc.amount || date != tc.date {
				t.Errorf("%s (%s): input not kept: %q, %q", tc.name, lang, amount, date)
			}
			if (tc.field == "amount") != (amountInvalid == "true") || (tc.field == "date") != (dateInvalid == "true") {
				t.Errorf("%s (%s): aria-invalid amount=%s date=%s", tc.name, lang, amountInvalid, dateInvalid)
			}
			checkFormLabels(t, tc.name, res)
		}
	}
	// Both fields wrong: both messages at once.
	doc := c.post("/account/promise", url.Values{"amount": {"0"}, "date": {"gestern"}}).html(t)
	if doc.testIDText("error-amount") == "" || doc.testIDText("error-date") == "" {
		t.Error("two wrong fields do not both get a message")
	}
	if n := h.queryInt(`SELECT count(*) FROM promises`); n != 0 {
		t.Errorf("%d promises stored from refused forms", n)
	}
	if strings.Contains(c.post("/account/promise", url.Values{"amount": {"<b>x</b>"}, "date": {"x"}}).body, "<b>x</b>") {
		t.Error("the typed amount is not escaped")
	}
}

// With nothing open, there is nothing to promise: the page says so, and
// a form posted anyway is refused (409).
func TestPromiseNothingOpen(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, inv := range h.invoices[h.alice.ID] {
		if inv.OpenMinor > 0 {
			if err := h.st.BookPayment(h.ctx, h.a.ID, h.alice.ID, inv.ID, inv.OpenMinor, "EUR", civil("2026-11-20"), "x"); err != nil {
				t.Fatal(err)
			}
		}
	}
	c := h.steppedUp(h.alice)
	if doc := c.get("/account/promise").html(t); len(doc.testID("nothing-to-promise")) != 1 || len(doc.testID("promise-form")) != 0 {
		t.Error("the page offers a promise with nothing open")
	}
	if res := c.post("/account/promise", url.Values{"amount": {"1"}, "date": {"2026-12-03"}}); res.StatusCode != http.StatusConflict {
		t.Errorf("POST with nothing open = %d, want 409", res.StatusCode)
	}
}

// Staff see promises made in the portal in the debtor view, with where
// they were made and their status; the timeline reads well.
func TestPromiseOnTheStaffView(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.steppedUp(h.alice)
	c.post("/account/promise", url.Values{"amount": {"45,00"}, "date": {"2026-12-03"}})
	agent := h.staffClient(staff.RoleAgent, h.a)
	doc := agent.get("/staff/debtors/"+strconv.FormatInt(h.alice.ID, 10), "Accept-Language", "en").html(t)
	rows := doc.testID("promise")
	if len(rows) != 1 {
		t.Fatalf("%d promise rows", len(rows))
	}
	if src, _ := attr(rows[0], "data-source"); src != "portal" {
		t.Errorf("source %q", src)
	}
	text := textOf(rows[0])
	for _, want := range []string{h.en().T("staff.promise.source.portal"), h.en().T("staff.promise.status.open"), "€45.00"} {
		if !contains(text, want) {
			t.Errorf("promise row %q lacks %q", text, want)
		}
	}
	if want := h.en().T("staff.timeline.promise.made", "Amount", "€45.00", "Date", "3 Dec 2026"); !contains(doc.text(), want) {
		t.Errorf("the staff timeline lacks %q", want)
	}
}
