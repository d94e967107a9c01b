package handlers

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/staff"
)

// outboxRows are the message ids of the outbox page's rows, in order.
func outboxRows(t *testing.T, res *tresp) []string {
	t.Helper()
	var out []string
	for _, n := range res.html(t).all(func(n *htmlNode) bool { _, ok := attr(n, "data-message"); return ok }) {
		v, _ := attr(n, "data-message")
		out = append(out, v)
	}
	return out
}

func TestStaffOutbox(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	agent := h.staffClient(staff.RoleAgent, h.a)
	const script = `<script>alert(1)</script>`
	add := func(m *ar.Message) string {
		t.Helper()
		if err := h.st.EnqueueMessage(h.ctx, m); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(m.ID)
	}
	email := add(&ar.Message{CreditorID: h.a.ID, DebtorID: &h.alice.ID, Channel: "email", Recipient: aliceEmail,
		Subject: script + " Ihre Rechnung", Body: "Guten Tag,\n" + script + "\nbitte zahlen Sie.",
		HTMLBody: `<html><body><p style="color:red">Hallo</p>` + script + `<img src="https://tracker.example/p.gif"></body></html>`,
		Purpose:  "link"})
	sms := add(&ar.Message{CreditorID: h.a.ID, Channel: "sms", Recipient: "+491701234567",
		Body: "Ihr Code: 493817", Purpose: "otp"}) // no debtor, no HTML
	carol := add(&ar.Message{CreditorID: h.b.ID, DebtorID: &h.carol.ID, Channel: "email", Recipient: "carol@example.net",
		Subject: "Carols Rechnung", Body: "Hello Carol", Purpose: "link"})
	if _, err := h.db.Exec(`UPDATE messages SET status = 'sent', sent_at = '2026-07-01 10:00:00Z', attempts = 1,
		provider_id = 'smtp-42' WHERE id = $1`, email); err != nil {
		t.Fatal(err)
	}
	if _, err := h.db.Exec(`UPDATE messages SET status = 'unsent', attempts = 1,
		last_error = 'no SMS provider configured (SMS_URL)' WHERE id = $1`, sms); err != nil {
		t.Fatal(err)
	}

	list := agent.get("/staff/outbox", "Accept-Language", "en")
	if list.StatusCode != http.StatusOK {
		t.Fatalf("outbox = %d", list.StatusCode)
	}
	if got := outboxRows(t, list); strings.Join(got, " ") != sms+" "+email {
		t.Errorf("rows = %v, want the SMS then the email (and not creditor B's %s)", got, carol)
	}
	table := list.html(t).testIDText("outbox")
	for _, want := range []string{aliceEmail, "+491701234567", "K-100 · " + aliceName, script + " Ihre Rechnung",
		"Ihr Code: ••••••", "Sent", "Not sent", "1 Jul 2026 12:00", "Email", "SMS", "Personal link", "One-time code"} {
		if !contains(table, want) {
			t.Errorf("the outbox lacks %q:\n%s", want, table)
		}
	}
	if strings.Contains(list.body, script) || strings.Contains(list.body, "Carol") {
		t.Error("the outbox shows raw markup or creditor B's message")
	}
	de := agent.get("/staff/outbox", "Accept-Language", "de").html(t).testIDText("outbox")
	for _, want := range []string{"Versandt", "Nicht versandt", "Persönlicher Link", "Einmalcode", "01.07.2026 12:00"} {
		if !contains(de, want) {
			t.Errorf("the German outbox lacks %q", want)
		}
	}
	for query, want := range map[string]string{
		"?status=sent": email, "?status=unsent": sms, "?channel=sms": sms, "?channel=email": email,
		"?status=failed": "", "?channel=sms&status=sent": "", "?status=bogus": sms + " " + email,
		"?before=" + sms: email,
	} {
		if got := strings.Join(outboxRows(t, agent.get("/staff/outbox"+query)), " "); got != want {
			t.Errorf("%s: rows %q, want %q", query, got, want)
		}
	}

	// One message: the text escaped in a <pre>, the HTML behind a link.
	page := agent.get("/staff/outbox/"+email, "Accept-Language", "en")
	if page.StatusCode != http.StatusOK {
		t.Fatalf("message page = %d", page.StatusCode)
	}
	doc := page.html(t)
	if body := doc.testID("body"); len(body) != 1 || body[0].Data != "pre" || !strings.Contains(textOf(body[0]), script) {
		t.Errorf("the text body is not shown as text in a <pre>")
	}
	if strings.Contains(page.body, script) {
		t.Error("the message page holds the raw script")
	}
	for _, s := range doc.tag("script") {
		if src, _ := attr(s, "src"); !strings.HasPrefix(src, "/static/") {
			t.Errorf("a <script> that is not ours: %v", s.Attr)
		}
	}
	for _, want := range []string{aliceEmail, "smtp-42", "K-100 · " + aliceName} {
		if !contains(doc.text(), want) {
			t.Errorf("the message page lacks %q", want)
		}
	}
	link := doc.testID("html-link")
	if len(link) != 1 {
		t.Fatal("no link to the HTML version")
	}
	if href, _ := attr(link[0], "href"); href != "/staff/outbox/"+email+"/html" {
		t.Errorf("HTML link = %q", href)
	}
	if rel, _ := attr(link[0], "rel"); !strings.Contains(rel, "noopener") {
		t.Errorf("HTML link rel = %q", rel)
	}

	// The HTML version as sent, under a CSP that runs nothing: no script,
	// no outside image, a sandbox.
	raw := agent.get("/staff/outbox/" + email + "/html")
	if raw.StatusCode != http.StatusOK || !strings.Contains(raw.body, `<p style="color:red">Hallo</p>`) {
		t.Fatalf("HTML version = %d:\n%s", raw.StatusCode, raw.body)
	}
	checkOutboxHTMLHeaders(t, raw)
	csp := cspDirectives(raw.Header.Get("Content-Security-Policy"))
	if _, ok := csp["script-src"]; ok || !only(csp["default-src"], "'none'") {
		t.Errorf("the HTML version may run scripts: %s", raw.Header.Get("Content-Security-Policy"))
	}
	if !only(csp["img-src"], "data:") {
		t.Errorf("the HTML version may load outside images: %v", csp["img-src"])
	}

	// A message without a debtor or an HTML version shows too.
	smsPage := agent.get("/staff/outbox/"+sms, "Accept-Language", "en")
	if smsPage.StatusCode != http.StatusOK || !contains(smsPage.html(t).testIDText("body"), "Ihr Code: ••••••") ||
		!contains(smsPage.html(t).testIDText("last-error"), "no SMS provider configured") {
		t.Errorf("debtor-less SMS page = %d:\n%s", smsPage.StatusCode, smsPage.body)
	}
	if len(smsPage.html(t).testID("html-link")) != 0 {
		t.Error("a message without HTML links to an HTML version")
	}
	if res := agent.get("/staff/outbox/" + sms + "/html"); res.StatusCode != http.StatusNotFound {
		t.Errorf("HTML of a text-only message = %d, want 404", res.StatusCode)
	}

	// Another creditor's message is not found, in either form.
	for _, p := range []string{"/staff/outbox/" + carol, "/staff/outbox/" + carol + "/html", "/staff/outbox/nope", "/staff/outbox/0"} {
		if res := agent.get(p); res.StatusCode != http.StatusNotFound || strings.Contains(res.body, "Carol") {
			t.Errorf("GET %s = %d, want 404", p, res.StatusCode)
		}
	}
}

// Links and one-time codes in the outbox are secrets: staff see them
// masked (outside demo mode), on every outbox page.
func TestStaffOutboxMasksSecrets(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.staffClient(staff.RoleAgent, h.a)
	token, _ := h.link(h.alice)
	body := "Ihr Link: " + testBase + "/l/" + token
	if err := h.st.EnqueueMessage(h.ctx, &ar.Message{CreditorID: h.a.ID, DebtorID: &h.alice.ID, Channel: "email",
		Recipient: aliceEmail, Subject: "Ihr Konto", Body: body, HTMLBody: "<p>" + body + "</p>", Purpose: "link"}); err != nil {
		t.Fatal(err)
	}
	if err := h.st.EnqueueMessage(h.ctx, &ar.Message{CreditorID: h.a.ID, DebtorID: &h.alice.ID, Channel: "sms",
		Recipient: h.alice.Phone, Body: "Ihr Code: 493817", Purpose: "otp"}); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	if err := h.db.Select(&ids, `SELECT id FROM messages ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	pages := []string{"/staff/outbox", "/staff/outbox/" + strconv.FormatInt(ids[0], 10),
		"/staff/outbox/" + strconv.FormatInt(ids[0], 10) + "/html", "/staff/outbox/" + strconv.FormatInt(ids[1], 10)}
	for _, p := range pages {
		res := c.get(p)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s = %d", p, res.StatusCode)
		}
		if strings.Contains(res.body, token) || strings.Contains(res.body, "493817") {
			t.Errorf("%s shows a live link or code", p)
		}
	}
	// The masked link is what staff see; the debtor's link still works.
	if res := h.client().get("/l/" + token); res.StatusCode != http.StatusOK {
		t.Errorf("the link itself = %d", res.StatusCode)
	}
}
