package handlers

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/settle/settle/internal/ar"
)

// Before the step-up the link shows only what is due; details need the
// postcode, which forgives spaces and letter case.
func TestStepUpKnowledge(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	de := h.de()
	c := h.entered(h.alice)

	// The landing: the amount, not the person or the invoices.
	acc := c.get("/account")
	if acc.StatusCode != http.StatusOK {
		t.Fatalf("GET /account = %d", acc.StatusCode)
	}
	doc := acc.html(t)
	due := doc.testIDText("total-due")
	if want := de.Money(h.openMinor(h.alice), "EUR"); !contains(due, want) {
		t.Errorf("total-due = %q, want it to show %q", due, want)
	}
	if strings.Contains(acc.body, aliceName) || strings.Contains(acc.body, "Amsel") {
		t.Error("the debtor's name is shown before the step-up")
	}
	if len(doc.testID("invoices")) != 0 || len(doc.testID("invoice")) != 0 {
		t.Error("the invoice list is shown before the step-up")
	}
	for _, n := range aliceNumbers {
		if strings.Contains(acc.body, n) {
			t.Errorf("invoice %s is named before the step-up", n)
		}
	}
	for _, secret := range []string{aliceEmail, alicePost, "Amselweg", "Jahresabrechnung"} {
		if strings.Contains(acc.body, secret) {
			t.Errorf("%q is shown before the step-up", secret)
		}
	}
	if len(doc.testID("stepup-teaser")) != 1 {
		t.Error("no way to the step-up on the landing")
	}

	// Details send the debtor to the step-up and back.
	const invPath = "/account/invoices/R-1001"
	res := c.get(invPath)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("GET %s before step-up = %d, want 303", invPath, res.StatusCode)
	}
	wantLoc := "/account/verify?next=" + url.QueryEscape(invPath)
	if loc := res.Header.Get("Location"); loc != wantLoc {
		t.Fatalf("Location = %q, want %q", loc, wantLoc)
	}
	if strings.Contains(res.body, "Wartung") {
		t.Error("the redirect carries invoice details")
	}
	form := c.get(wantLoc)
	if form.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d", wantLoc, form.StatusCode)
	}
	fdoc := form.html(t)
	if fdoc.byID("answer") == nil {
		t.Fatal("no answer field on the step-up page")
	}
	var next string
	for _, in := range fdoc.tag("input") {
		if n, _ := attr(in, "name"); n == "next" {
			next, _ = attr(in, "value")
		}
	}
	if next != invPath {
		t.Errorf("hidden next = %q, want %q", next, invPath)
	}

	// A wrong answer: 422, the translated error, what was typed kept.
	before := c.sessionCookie().Value
	sidBefore := c.session().ID
	typed := `10117 "<b>`
	res = c.post("/account/verify", url.Values{"answer": {typed}, "next": {next}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("wrong postcode = %d, want 422", res.StatusCode)
	}
	doc = res.html(t)
	if got, want := doc.testIDText("stepup"), de.T("error.stepup.wrong_answer"); !contains(got, want) {
		t.Errorf("wrong postcode page does not say %q", want)
	}
	if errEl := doc.byID("answer-error"); errEl == nil || textOf(errEl) != norm(de.T("error.stepup.wrong_answer")) {
		t.Error("the error is not tied to the field (#answer-error)")
	}
	in := doc.byID("answer")
	if v, _ := attr(in, "value"); v != typed {
		t.Errorf("typed value = %q, want %q kept", v, typed)
	}
	if v, _ := attr(in, "aria-invalid"); v != "true" {
		t.Errorf("aria-invalid = %q, want true", v)
	}
	if strings.Contains(res.body, "<b>") {
		t.Error("the typed value is echoed unescaped")
	}
	if ds := c.session(); ds == nil || ds.SteppedUp {
		t.Fatal("a wrong answer stepped the session up")
	}
	if res := c.get(invPath); res.StatusCode != http.StatusSeeOther {
		t.Errorf("invoice after a wrong answer = %d, want 303", res.StatusCode)
	}
	if n := h.interactions(h.alice, ar.KindStepUpFailed); n != 1 {
		t.Errorf("stepup.failed interactions = %d, want 1", n)
	}

	// The right postcode, typed with a space.
	res = c.post("/account/verify", url.Values{"answer": {"10 115"}, "next": {next}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != invPath {
		t.Fatalf("right postcode = %d to %q, want 303 to %s", res.StatusCode, res.Header.Get("Location"), invPath)
	}
	if c.sessionCookie().Value == before {
		t.Error("the session cookie did not change at step-up")
	}
	ds := c.session()
	if ds == nil || !ds.SteppedUp || ds.ID == sidBefore {
		t.Errorf("after step-up session = %+v, want stepped up with a new id", ds)
	}

	// The invoice: lines and totals in German money format.
	res = c.get(invPath)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s after step-up = %d", invPath, res.StatusCode)
	}
	doc = res.html(t)
	inv := h.invoices[h.alice.ID]["R-1001"]
	lines := doc.testIDText("lines")
	for _, l := range inv.Lines {
		for _, want := range []string{l.Description, de.Money(l.NetMinor, "EUR"), de.Money(l.UnitPriceMinor, "EUR"), de.Quantity(l.QuantityMilli), de.Percent(l.TaxRateBP)} {
			if !contains(lines, want) {
				t.Errorf("lines do not show %q: %q", want, lines)
			}
		}
	}
	totals := doc.testIDText("totals")
	for _, g := range ar.TaxGroups(inv.Lines) {
		for _, want := range []string{de.Money(g.TaxMinor, "EUR"), de.Money(g.NetMinor, "EUR")} {
			if !contains(totals, want) {
				t.Errorf("totals do not show %q: %q", want, totals)
			}
		}
	}
	for _, want := range []string{de.Money(inv.NetMinor, "EUR"), de.Money(inv.TotalMinor, "EUR")} {
		if !contains(totals, want) {
			t.Errorf("totals do not show %q: %q", want, totals)
		}
	}
	// German money format, spelled out once so that a formatter change
	// that breaks it is noticed: 1.037,40 € net on the first line.
	if !contains(lines, "1.037,40 €") {
		t.Errorf("first line net is not formatted like 1.037,40 €: %q", lines)
	}
	if inv.TotalMinor < 100000 || !contains(totals, de.Money(inv.TotalMinor, "EUR")) || !strings.Contains(de.Money(inv.TotalMinor, "EUR"), ".") {
		t.Errorf("total %d is not shown with a thousands separator", inv.TotalMinor)
	}
	if got := doc.testIDText("open-amount"); got != norm(de.Money(inv.OpenMinor, "EUR")) {
		t.Errorf("open-amount = %q, want %q", got, de.Money(inv.OpenMinor, "EUR"))
	}
	if st := doc.testIDText("status"); st != norm(de.T("status.overdue")) {
		t.Errorf("status = %q, want overdue", st)
	}

	// After the step-up the dashboard greets alice and lists her invoices.
	doc = c.get("/account").html(t)
	if !contains(doc.testIDText("summary"), de.T("page.account.greeting", "Name", aliceName)) {
		t.Error("no greeting by name after the step-up")
	}
	if len(doc.testID("invoice")) != len(aliceNumbers) {
		t.Errorf("%d invoices listed, want %d", len(doc.testID("invoice")), len(aliceNumbers))
	}
	// The verify page of a stepped-up debtor just goes on.
	if res := c.get("/account/verify?next=%2Faccount%2Finvoices%2FR-1002"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account/invoices/R-1002" {
		t.Errorf("verify when stepped up = %d to %q", res.StatusCode, res.Header.Get("Location"))
	}

	// Other spellings of the same postcode, each through a fresh link.
	cases := []struct {
		d      *ar.Debtor
		answer string
	}{
		{h.alice, " 10115 "},
		{h.alice, "10115"},
		{h.bob, "sw1a1aa"},
		{h.bob, "Sw1a 1aA"},
		{h.bob, "SW1A-1AA"},
		{h.bob, "SW1A 1AA"},
	}
	for _, tc := range cases {
		c := h.entered(tc.d)
		res := c.post("/account/verify", url.Values{"answer": {tc.answer}, "next": {"/account"}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account" {
			t.Errorf("%s answering %q = %d, want 303 to /account", tc.d.Name, tc.answer, res.StatusCode)
		}
	}
	// A next that leaves the account pages is replaced.
	c2 := h.entered(h.bob)
	res = c2.post("/account/verify", url.Values{"answer": {"SW1A1AA"}, "next": {"https://evil.example/phish"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account" {
		t.Errorf("step-up with an external next = %d to %q, want /account", res.StatusCode, res.Header.Get("Location"))
	}
	// An empty answer is a form error, not a pass.
	c3 := h.entered(h.bob)
	res = c3.post("/account/verify", url.Values{"answer": {"   "}, "next": {"/account"}})
	if res.StatusCode != http.StatusUnprocessableEntity || !contains(res.html(t).text(), h.en().T("error.stepup.answer_required")) {
		t.Errorf("empty answer = %d, want 422 with the English (bob's language) required message", res.StatusCode)
	}
}

// Five wrong answers lock the step-up of a link, in PostgreSQL: the right
// answer is then refused, also through another instance of Settle.
func TestStepUpKnowledgeLockout(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	tok, link := h.link(h.alice)
	c := h.client()
	c.enter(tok)
	for i := 1; i <= ar.KnowledgeMaxAttempts; i++ {
		res := c.post("/account/verify", url.Values{"answer": {"99999"}, "next": {"/account"}})
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("wrong answer %d = %d, want 422", i, res.StatusCode)
		}
	}
	res := c.post("/account/verify", url.Values{"answer": {alicePost}, "next": {"/account"}})
	if res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("right answer after %d wrong = %d, want 429", ar.KnowledgeMaxAttempts, res.StatusCode)
	}
	if !contains(res.html(t).text(), h.de().T("error.stepup.locked")) {
		t.Error("the lock is not explained")
	}
	if ds := c.session(); ds == nil || ds.SteppedUp {
		t.Fatal("a locked step-up passed")
	}
	if n := h.queryInt(`SELECT COALESCE(sum(hits), 0) FROM rate_limits WHERE bucket = $1`, "knowledge-link:"+strconv.FormatInt(link.ID, 10)); n < ar.KnowledgeMaxAttempts+1 {
		t.Errorf("knowledge-link hits in PostgreSQL = %d, want ≥ %d", n, ar.KnowledgeMaxAttempts+1)
	}

	// Another instance on the same database, another browser and address,
	// the same link: still locked.
	other := h.client()
	other.handler = h.newServer(h.st, h.keys, false).Handler()
	other.enter(tok)
	if res := other.post("/account/verify", url.Values{"answer": {alicePost}, "next": {"/account"}}); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("same link on another instance = %d, want 429", res.StatusCode)
	}
	// The lock ends with its window.
	h.clock.Advance(ar.KnowledgeWindow)
	if res := c.post("/account/verify", url.Values{"answer": {alicePost}, "next": {"/account"}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("right answer after the window = %d, want 303", res.StatusCode)
	}
}

// A one-time code: sent to the address on file, six digits, bound to the
// session that asked, single use, five tries, ten minutes.
func TestStepUpOTP(t *testing.T) {
	t.Parallel()
	h := newHarnessWith(t, ar.StepUpOTP)
	de := h.de()
	const invPath = "/account/invoices/R-1001"
	verify := func(c *tclient, code string) *tresp {
		t.Helper()
		return c.post("/account/verify", url.Values{"code": {code}, "channel": {"email"}, "next": {invPath}})
	}
	wrongOf := func(code string) string {
		if code == "000000" {
			return "111111"
		}
		return "000000"
	}

	c1 := h.entered(h.alice)
	if res := c1.get(invPath); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("invoice before step-up = %d, want 303", res.StatusCode)
	}
	page := c1.get("/account/verify?next=" + url.QueryEscape(invPath))
	doc := page.html(t)
	if len(doc.testID("send-email")) != 1 || len(doc.testID("send-sms")) != 1 {
		t.Fatal("no buttons to send a code by email and SMS")
	}
	if strings.Contains(page.body, aliceEmail) || !contains(doc.testIDText("send-email"), ar.MaskEmail(aliceEmail)) {
		t.Error("the email address is not shown masked")
	}

	// Send.
	res := c1.post("/account/verify/send", url.Values{"channel": {"email"}, "next": {invPath}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("send = %d, want 303", res.StatusCode)
	}
	loc, err := url.Parse(res.Header.Get("Location"))
	if err != nil || loc.Path != "/account/verify" || loc.Query().Get("sent") != "email" || loc.Query().Get("next") != invPath {
		t.Fatalf("send redirects to %q, want /account/verify?next=...&sent=email", res.Header.Get("Location"))
	}
	code1, msg := h.latestOTP(h.alice)
	if msg.Recipient != aliceEmail || msg.Channel != "email" {
		t.Errorf("code went to %s %q, want email %q", msg.Channel, msg.Recipient, aliceEmail)
	}
	if !strings.Contains(msg.Body, code1) || len(code1) != 6 {
		t.Fatalf("message body %q has no 6-digit code", msg.Body)
	}
	sentPage := c1.get(loc.RequestURI()).html(t)
	if !contains(sentPage.testIDText("code-sent"), de.T("page.stepup.code_sent.email", "Destination", ar.MaskEmail(aliceEmail))) {
		t.Error("the page does not say where the code went")
	}
	if sentPage.byID("code") == nil {
		t.Error("no code field after sending")
	}
	if n := h.interactions(h.alice, ar.KindOTPSent); n != 1 {
		t.Errorf("stepup.code_sent interactions = %d, want 1", n)
	}

	// A wrong code.
	res = verify(c1, wrongOf(code1))
	if res.StatusCode != http.StatusUnprocessableEntity || !contains(res.html(t).text(), de.T("error.stepup.code_wrong")) {
		t.Fatalf("wrong code = %d, want 422 with %q", res.StatusCode, de.T("error.stepup.code_wrong"))
	}

	// The code in another session of the same debtor (another link, another
	// browser) fails, with and without a challenge of its own.
	c2 := h.entered(h.alice)
	if res := verify(c2, code1); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("code of session 1 in session 2 (no code asked) = %d, want 422", res.StatusCode)
	}
	code2 := c2.sendOTP("email", invPath)
	if code2 != code1 {
		if res := verify(c2, code1); res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("code of session 1 in session 2 = %d, want 422", res.StatusCode)
		}
	}
	if ds := c2.session(); ds == nil || ds.SteppedUp {
		t.Fatal("session 2 stepped up with session 1's code")
	}

	// The right code passes, with a new session id.
	oldCookie := c1.sessionCookie()
	oldSID := c1.session().ID
	res = verify(c1, code1[:3]+" "+code1[3:])
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != invPath {
		t.Fatalf("right code = %d to %q, want 303 to %s", res.StatusCode, res.Header.Get("Location"), invPath)
	}
	if ds := c1.session(); ds == nil || !ds.SteppedUp || ds.ID == oldSID {
		t.Errorf("after the code the session is %+v, want stepped up with a new id", ds)
	}
	if res := c1.get(invPath); res.StatusCode != http.StatusOK || len(res.html(t).testID("lines")) != 1 {
		t.Errorf("invoice after the code = %d", res.StatusCode)
	}

	// Single use: the old (pre-step-up) cookie replaying the same code
	// gets nowhere: the step-up ended that session on the server (the
	// code itself is also spent; ar.TestOTPCheck covers that rule).
	replay := h.client()
	replay.setCookie(oldCookie)
	res = verify(replay, code1)
	if res.StatusCode != http.StatusUnauthorized || !contains(res.html(t).text(), de.T("page.session.ended.body")) {
		t.Errorf("replaying a code with the pre-step-up cookie = %d, want 401 'session ended'", res.StatusCode)
	}
	if res := replay.get(invPath); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("pre-step-up cookie after step-up: invoice = %d, want 401", res.StatusCode)
	}

	// Five wrong codes lock the code; the right one is then refused.
	c3 := h.entered(h.alice)
	code3 := c3.sendOTP("email", invPath)
	for i := 1; i <= ar.OTPMaxAttempts; i++ {
		res := verify(c3, wrongOf(code3))
		want := http.StatusUnprocessableEntity
		if i == ar.OTPMaxAttempts {
			want = http.StatusTooManyRequests
		}
		if res.StatusCode != want {
			t.Fatalf("wrong code %d = %d, want %d", i, res.StatusCode, want)
		}
	}
	res = verify(c3, code3)
	if res.StatusCode != http.StatusTooManyRequests || !contains(res.html(t).text(), de.T("error.stepup.code_locked")) {
		t.Errorf("right code after %d wrong = %d, want 429 'locked'", ar.OTPMaxAttempts, res.StatusCode)
	}
	if ds := c3.session(); ds == nil || ds.SteppedUp {
		t.Error("a locked code stepped up")
	}

	// A newer code replaces the older one.
	c6 := h.entered(h.alice)
	first := c6.sendOTP("email", invPath)
	second := c6.sendOTP("email", invPath)
	if first != second {
		if res := verify(c6, first); res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("superseded code = %d, want 422", res.StatusCode)
		}
	}
	if res := verify(c6, second); res.StatusCode != http.StatusSeeOther {
		t.Errorf("newest code = %d, want 303", res.StatusCode)
	}

	// An unknown channel is refused and sends nothing.
	c7 := h.entered(h.alice)
	msgs := h.queryInt(`SELECT count(*) FROM messages`)
	res = c7.post("/account/verify/send", url.Values{"channel": {"fax"}, "next": {invPath}})
	if res.StatusCode != http.StatusBadRequest || !contains(res.html(t).text(), de.T("error.stepup.no_destination")) {
		t.Errorf("send to fax = %d, want 400 with a message", res.StatusCode)
	}
	if n := h.queryInt(`SELECT count(*) FROM messages`); n != msgs {
		t.Error("a message was queued for an unknown channel")
	}
	// Three sends per session in ten minutes; the fourth is refused.
	for i := 1; i <= 3; i++ {
		c7.sendOTP("email", invPath)
	}
	msgs = h.queryInt(`SELECT count(*) FROM messages`)
	res = c7.post("/account/verify/send", url.Values{"channel": {"email"}, "next": {invPath}})
	if res.StatusCode != http.StatusTooManyRequests || !contains(res.html(t).text(), de.T("error.rate_limited")) {
		t.Errorf("fourth send in a session = %d, want 429 'too many'", res.StatusCode)
	}
	if n := h.queryInt(`SELECT count(*) FROM messages`); n != msgs {
		t.Error("a refused send queued a message")
	}

	// Valid for ten minutes: 9:59 passes, 10:01 does not.
	c4 := h.entered(h.alice)
	code4 := c4.sendOTP("email", invPath)
	c5 := h.entered(h.alice)
	code5 := c5.sendOTP("email", invPath)
	h.clock.Advance(9*time.Minute + 59*time.Second)
	if res := verify(c5, code5); res.StatusCode != http.StatusSeeOther {
		t.Errorf("code after 9:59 = %d, want 303", res.StatusCode)
	}
	h.clock.Advance(2 * time.Second)
	res = verify(c4, code4)
	if res.StatusCode != http.StatusUnprocessableEntity || !contains(res.html(t).text(), de.T("error.stepup.code_expired")) {
		t.Errorf("code after 10:01 = %d, want 422 'expired'", res.StatusCode)
	}
	if ds := c4.session(); ds == nil || ds.SteppedUp {
		t.Error("an expired code stepped up")
	}

	// Codes never reach the log (demo mode is off).
	logs := h.logs.String()
	for _, code := range []string{code1, code2, code3, code4, code5} {
		if strings.Contains(logs, `"`+code+`"`) || strings.Contains(logs, "="+code) {
			t.Errorf("the log contains code %s", code)
		}
	}
}
