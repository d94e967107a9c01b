package handlers

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/settle/settle/internal/staff"
)

func aliceURL(h *harness, rest string) string {
	return "/staff/debtors/" + strconv.FormatInt(h.alice.ID, 10) + rest
}

func TestStaffSearchFindsByAnything(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.staffClient(staff.RoleAgent, h.a)
	for _, q := range []string{"0170 1234567", "+49 (170) 123-4567", "amsel", "alice.amsel@example.org", alicePost} {
		res := c.get("/staff/debtors?q="+url.QueryEscape(q), "Accept-Language", "en")
		if res.StatusCode != http.StatusOK || !strings.Contains(res.body, aliceName) {
			t.Errorf("search %q = %d, does not list %s", q, res.StatusCode, aliceName)
		}
		if strings.Contains(res.body, carolName) {
			t.Errorf("search %q lists creditor B's customer", q)
		}
	}
	// A customer or invoice number opens the customer at once.
	for _, q := range []string{sharedCustNo, "R-1002"} {
		res := c.get("/staff/debtors?q=" + url.QueryEscape(q))
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != aliceURL(h, "") {
			t.Errorf("search %q = %d to %q, want the customer's page", q, res.StatusCode, res.Header.Get("Location"))
		}
	}
	none := c.get("/staff/debtors?q=Zebrafink", "Accept-Language", "de")
	if !strings.Contains(none.body, "Nichts gefunden für „Zebrafink“") {
		t.Errorf("no hits: the page does not say so:\n%s", none.body)
	}
}

func TestStaffCallPop(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.staffClient(staff.RoleAgent, h.a)
	res := c.get("/staff/calls/pop?number=" + url.QueryEscape("+491701234567"))
	want := aliceURL(h, "?call=inbound&number="+url.QueryEscape("+491701234567"))
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != want {
		t.Fatalf("pop = %d to %q, want %q", res.StatusCode, res.Header.Get("Location"), want)
	}
	page := c.get(want, "Accept-Language", "en")
	form := page.html(t).testID("call-form")
	if len(form) != 1 || !func() bool { _, ok := attr(form[0], "open"); return ok }() {
		t.Fatalf("the call log is not open on the popped page")
	}
	if !strings.Contains(page.body, `name="number" value="+491701234567"`) ||
		!strings.Contains(page.body, `name="direction" value="inbound" checked`) {
		t.Errorf("the call log is not pre-filled with the number and inbound")
	}
	// Unknown numbers say so and offer the search.
	if res := c.get("/staff/calls/pop?number=%2B4930999999", "Accept-Language", "en"); res.StatusCode != http.StatusOK ||
		!strings.Contains(res.body, "No customer has this number") {
		t.Errorf("unknown number = %d:\n%s", res.StatusCode, res.body)
	}
}

func TestStaffLogsCallWithPromise(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.staffClient(staff.RoleAgent, h.a)
	promiseDate := testStart.AddDate(0, 0, 7).Format(time.DateOnly)
	res := c.post(aliceURL(h, "/calls"), url.Values{"direction": {"inbound"}, "outcome": {"promise"},
		"promise_amount": {"120,50"}, "promise_date": {promiseDate}, "note": {"Kundin war freundlich, Gehalt kommt am 1."},
		"number": {"+491701234567"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("log call = %d:\n%s", res.StatusCode, res.body)
	}
	if n := h.queryInt(`SELECT count(*) FROM promises WHERE debtor_id = $1 AND amount_minor = 12050 AND due_date = $2`, h.alice.ID, promiseDate); n != 1 {
		t.Errorf("%d promises recorded, want 1", n)
	}
	if n := h.queryInt(`SELECT count(*) FROM audit_log WHERE action = 'call.logged'`); n != 1 {
		t.Errorf("call audited %d times", n)
	}
	view := c.get(aliceURL(h, "?done=call"), "Accept-Language", "en")
	for _, want := range []string{"The call is recorded.", "Inbound call: Promise to pay", "Promise to pay €120.50 by", "Kundin war freundlich"} {
		if !strings.Contains(view.body, want) {
			t.Errorf("debtor view lacks %q", want)
		}
	}
	// The debtor sees the call and the promise, never the note.
	hist := h.steppedUp(h.alice).get("/account/history", "Accept-Language", "en")
	for _, want := range []string{"We spoke on the phone", "You promised to pay €120.50 by"} {
		if !strings.Contains(hist.body, want) {
			t.Errorf("debtor history lacks %q", want)
		}
	}
	if strings.Contains(hist.body, "freundlich") || strings.Contains(hist.body, "491701234567") {
		t.Error("the debtor sees the internal note or the number")
	}
}

func TestStaffCallFormKeepsInputOnError(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.staffClient(staff.RoleAgent, h.a)
	res := c.post(aliceURL(h, "/calls"), url.Values{"direction": {"outbound"}, "outcome": {"promise"},
		"promise_amount": {"zwölf"}, "promise_date": {testStart.AddDate(1, 0, 0).Format(time.DateOnly)},
		"note": {"Wichtiger Hinweis, bitte nicht verlieren"}}, "Accept-Language", "de")
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad promise = %d, want 422", res.StatusCode)
	}
	for _, want := range []string{"Geben Sie den zugesagten Betrag ein", "Wichtiger Hinweis, bitte nicht verlieren", `value="zwölf"`} {
		if !strings.Contains(res.body, want) {
			t.Errorf("re-rendered form lacks %q", want)
		}
	}
	if n := h.queryInt(`SELECT count(*) FROM interactions WHERE kind LIKE 'call.%'`); n != 0 {
		t.Errorf("a refused call wrote %d timeline entries", n)
	}
	// Another creditor's debtor: not found, nothing written.
	carol := "/staff/debtors/" + strconv.FormatInt(h.carol.ID, 10) + "/calls"
	if res := c.post(carol, url.Values{"direction": {"inbound"}, "outcome": {"reached"}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("call on creditor B's debtor = %d, want 404", res.StatusCode)
	}
}

func TestStaffSendsNewLink(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	oldToken, _ := h.link(h.alice)
	c := h.staffClient(staff.RoleAgent, h.a)
	preview := c.get(aliceURL(h, "/link?channel=sms"), "Accept-Language", "en")
	if !strings.Contains(preview.body, "+49 170 1234567") || !strings.Contains(preview.body, nameA+": Ihr persönlicher Link") {
		t.Fatalf("preview lacks the number or the message in the debtor's language:\n%s", preview.body)
	}
	if n := h.queryInt(`SELECT count(*) FROM messages`); n != 0 {
		t.Fatalf("the preview sent %d messages", n)
	}
	res := c.post(aliceURL(h, "/link"), url.Values{"channel": {"sms"}, "revoke": {"yes"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("send = %d:\n%s", res.StatusCode, res.body)
	}
	var msg struct {
		Recipient string `db:"recipient"`
		Body      string `db:"body"`
	}
	if err := h.db.Get(&msg, `SELECT recipient, body FROM messages WHERE channel = 'sms' AND purpose = 'link'`); err != nil {
		t.Fatal(err)
	}
	i := strings.Index(msg.Body, testBase+"/l/")
	if msg.Recipient != "+49 170 1234567" || i < 0 {
		t.Fatalf("sms to %q: %q", msg.Recipient, msg.Body)
	}
	newToken := strings.Fields(msg.Body[i+len(testBase+"/l/"):])[0]
	if res := h.client().get("/l/" + oldToken); res.StatusCode != http.StatusGone {
		t.Errorf("old link after revoke = %d, want 410", res.StatusCode)
	}
	if res := h.client().get("/l/" + newToken); res.StatusCode != http.StatusOK {
		t.Errorf("new link = %d, want 200", res.StatusCode)
	}
	view := c.get(res.Header.Get("Location"), "Accept-Language", "en")
	if !strings.Contains(view.body, "A new link is on its way to") || !strings.Contains(view.body, "New link sent to") {
		t.Errorf("debtor view does not confirm the link")
	}
	if hist := h.steppedUp(h.alice).get("/account/history", "Accept-Language", "en"); !strings.Contains(hist.body, "A new link to your account was sent to") {
		t.Errorf("debtor history lacks the link sent")
	}
	// bob has no phone: SMS is refused with a reason.
	bob := "/staff/debtors/" + strconv.FormatInt(h.bob.ID, 10) + "/link?channel=sms"
	if res := c.get(bob, "Accept-Language", "en"); res.StatusCode != http.StatusOK || !strings.Contains(res.body, `class="field-error"`) {
		t.Errorf("sms preview without phone = %d, no error shown", res.StatusCode)
	}
}

func TestStaffNotesCallbacksAndFilters(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ar := h.staffClient(staff.RoleAR, h.a)
	if res := ar.post(aliceURL(h, "/notes"), url.Values{"text": {"<script>alert(1)</script> Mahnstopp bis Klärung"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("note = %d", res.StatusCode)
	}
	if res := ar.post(aliceURL(h, "/notes"), url.Values{"text": {"   "}}, "Accept-Language", "en"); res.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(res.body, "Write the note first.") {
		t.Errorf("empty note = %d", res.StatusCode)
	}
	at := testStart.In(h.a.Location()).Add(26 * time.Hour).Format("2006-01-02T15:04")
	if res := ar.post(aliceURL(h, "/callbacks"), url.Values{"at": {at}, "note": {"Nach Gehaltseingang"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("callback = %d: %s", res.StatusCode, res.body)
	}
	if n := h.queryInt(`SELECT count(*) FROM staff_tasks WHERE kind = 'callback' AND debtor_id = $1 AND due_at = $2`,
		h.alice.ID, testStart.Add(26*time.Hour)); n != 1 {
		t.Errorf("%d callback tasks at the time asked for", n)
	}
	past := testStart.In(h.a.Location()).Add(-time.Hour).Format("2006-01-02T15:04")
	if res := ar.post(aliceURL(h, "/callbacks"), url.Values{"at": {past}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("callback in the past = %d, want 422", res.StatusCode)
	}
	view := ar.get(aliceURL(h, ""), "Accept-Language", "en")
	if strings.Contains(view.body, "<script>alert(1)") || !strings.Contains(view.body, "&lt;script&gt;alert(1)&lt;/script&gt; Mahnstopp") {
		t.Error("the note is not escaped, or missing")
	}
	if !strings.Contains(view.body, "Nach Gehaltseingang") {
		t.Error("the callback is not among the open tasks")
	}
	calls := ar.get(aliceURL(h, "?kind=calls"), "Accept-Language", "en")
	if strings.Contains(calls.body, "Mahnstopp") || !strings.Contains(calls.body, "Callback scheduled for") {
		t.Error("the calls filter shows notes, or not the callback")
	}
	if hist := h.steppedUp(h.alice).get("/account/history", "Accept-Language", "en"); strings.Contains(hist.body, "Mahnstopp") {
		t.Error("the debtor sees an internal note")
	}
}

func TestStaffInvoicePDF(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.staffClient(staff.RoleAgent, h.a)
	res := c.get(aliceURL(h, "/invoices/R-1001/pdf"))
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(res.body, "%PDF") {
		t.Fatalf("invoice pdf = %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if n := h.queryInt(`SELECT count(*) FROM audit_log WHERE action = 'invoice.downloaded'`); n != 1 {
		t.Errorf("download audited %d times", n)
	}
	// bob's invoice through alice's page: not found.
	if res := c.get(aliceURL(h, "/invoices/R-2001/pdf")); res.StatusCode != http.StatusNotFound {
		t.Errorf("another debtor's invoice = %d, want 404", res.StatusCode)
	}
}

// The debtor view lists the debtor's disputes with a link to each.
func TestStaffDebtorViewListsDisputes(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.staffClient(staff.RoleAgent, h.a)
	view := c.get(aliceURL(h, ""), "Accept-Language", "en")
	rows := view.html(t).testID("debtor-dispute")
	if len(rows) != 1 {
		t.Fatalf("%d disputes on alice's view, want 1 (the fixture)", len(rows))
	}
	want := "/staff/disputes/" + strconv.FormatInt(h.disputeIDs[aliceDispute], 10)
	if !strings.Contains(view.body, `href="`+want+`"`) {
		t.Errorf("the dispute row does not link to %s", want)
	}
	bob := c.get("/staff/debtors/"+strconv.FormatInt(h.bob.ID, 10), "Accept-Language", "en")
	for _, r := range bob.html(t).testID("debtor-dispute") {
		if strings.Contains(textOf(r), "R-1003") {
			t.Error("alice's dispute shows on bob's view")
		}
	}
}
