package handlers

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/notify"
	"github.com/settle/settle/internal/staff"
)

// A dispute's files go to the debtor who disputed and to staff of the
// creditor, nobody else: another debtor of the same creditor, a debtor
// of another creditor and another creditor's staff get a 404, also with
// their own dispute's id in the path; a file is only reachable through
// its own dispute.
func TestDisputeAttachmentsOnlyToTheirOwners(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	alice := h.steppedUp(h.alice)
	secret := testPDF("alice's bank statement")
	id := disputeOf(t, alice.postFiles("/account/invoices/R-1001/disputes", url.Values{"reason": {ar.ReasonAlreadyPaid}},
		[]upFile{{"Kontoauszug.pdf", "application/pdf", secret}}))
	d := h.disputeByPublicID(id)
	att := h.queryString(`SELECT public_id FROM dispute_attachments WHERE dispute_id = $1`, d.ID)
	own := disputePath(id, "/attachments/"+att)
	if res := alice.get(own); res.StatusCode != http.StatusOK || res.body != string(secret) {
		t.Fatalf("alice's own file = %d", res.StatusCode)
	}
	bob, carol := h.steppedUp(h.bob), h.steppedUp(h.carol)
	debtorTries := map[string]*tclient{
		own: bob, disputePath(bobDispute, "/attachments/"+att): bob,
		disputePath(aliceDispute, "/attachments/"+att):   alice, // alice's, through another of her disputes
		disputePath(id, "/attachments/"+aliceAttachment): alice,
		disputePath(id, "/attachments/att_nothing"):      alice,
		disputePath(carolDispute, "/attachments/"+att):   carol,
	}
	for path, c := range debtorTries {
		res := c.get(path)
		if res.StatusCode != http.StatusNotFound || strings.Contains(res.body, "bank statement") {
			t.Errorf("GET %s = %d, want 404 without the file", path, res.StatusCode)
		}
	}
	if res := carol.get(own); res.StatusCode != http.StatusNotFound {
		t.Errorf("carol GET %s = %d", own, res.StatusCode)
	}
	if res := h.client().get(own); res.StatusCode != http.StatusUnauthorized || strings.Contains(res.body, "bank statement") {
		t.Errorf("without a session = %d", res.StatusCode)
	}

	staffOwn := staffDisputePath(d.ID, "/attachments/"+att)
	for _, role := range staff.Roles {
		if res := h.staffClient(role, h.a).get(staffOwn); res.StatusCode != http.StatusOK || res.body != string(secret) {
			t.Errorf("creditor A's %s = %d", role, res.StatusCode)
		}
	}
	otherAdmin := h.staffClient(staff.RoleAdmin, h.b)
	for _, path := range []string{staffOwn, staffDisputePath(h.disputeIDs[carolDispute], "/attachments/"+att),
		staffDisputePath(d.ID, ""), staffDisputePath(d.ID, "/attachments/"+carolAttachment)} {
		if res := otherAdmin.get(path); res.StatusCode != http.StatusNotFound || strings.Contains(res.body, "bank statement") {
			t.Errorf("creditor B's admin GET %s = %d, want 404", path, res.StatusCode)
		}
	}
	ownAgent := h.staffClient(staff.RoleAgent, h.a)
	if res := ownAgent.get(staffDisputePath(h.disputeIDs[aliceDispute], "/attachments/"+att)); res.StatusCode != http.StatusNotFound {
		t.Errorf("a file through another dispute of the creditor = %d", res.StatusCode)
	}
	if res := h.client().get(staffOwn); res.StatusCode != http.StatusSeeOther || strings.Contains(res.body, "bank statement") {
		t.Errorf("signed out = %d", res.StatusCode)
	}
}

// Stored XSS: payloads in messages (both ways), a creditor's own reason
// and file names render as text on the debtor's pages, the staff page
// and in the email that tells the debtor about a reply.
func TestDisputeStoredXSS(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.portal.HTML = notify.HTMLFor // emails with their HTML part, as in production
	const (
		p1 = `<script>alert(1)</script>`
		p2 = `"><img src=x onerror=alert(1)>`
		p3 = `<scr<script>ipt>alert(1)</scr</script>ipt>`
		// File names lose everything up to a slash on the way in (the
		// multipart reader keeps the base name), so these have none.
		f1 = `<scr<script>ipt>alert(1)<scr<script>ipt>.pdf`
		f2 = `"><svg onload=alert(1)>.png`
	)
	// Markup that would run if unescaped (the words alone, escaped, are
	// harmless text: the element and attribute checks below look at the
	// parsed page).
	raws := []string{p1, p2, p3, "<scr<", "<svg", "<img src=x"}
	if err := h.st.SaveDisputeReasons(h.ctx, h.a.ID, []ar.DisputeReason{{Code: "xss", Label: p3 + p2}, {Code: ar.ReasonOther}}); err != nil {
		t.Fatal(err)
	}
	c := h.steppedUp(h.alice)
	pages := map[string]*tresp{"form": c.get("/account/invoices/R-1001/dispute")}
	// Refused: the form comes back with the payloads in the message and a
	// refused file's name.
	pages["refused form"] = c.postFiles("/account/invoices/R-1001/disputes", url.Values{"reason": {"xss"},
		"message": {p1 + p3}, "paid_reference": {p2}}, []upFile{{f1, "application/pdf", []byte("<html>" + p1)}})
	id := disputeOf(t, c.postFiles("/account/invoices/R-1001/disputes", url.Values{"reason": {"xss"}, "line": {"1"},
		"message": {p1 + "\n" + p2 + "\n" + p3}}, []upFile{{f1, "", testPDF("x")}, {f2, "image/png", pngOf(t, 2, 2)}}))
	d := h.disputeByPublicID(id)
	arc := h.staffClient(staff.RoleAR, h.a)
	if res := arc.postFiles(staffDisputePath(d.ID, "/messages"), url.Values{"message": {"Antwort: " + p3 + p1 + p2}}, nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("staff reply = %d", res.StatusCode)
	}
	if res := c.postFiles(disputePath(id, "/messages"), url.Values{"message": {p2 + p3}}, []upFile{{f2, "", pngOf(t, 3, 3)}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("debtor message = %d", res.StatusCode)
	}
	pages["dispute"] = c.get(disputePath(id, ""))
	pages["list"] = c.get("/account/disputes")
	pages["history"] = c.get("/account/history")
	pages["staff"] = arc.get(staffDisputePath(d.ID, ""))
	pages["staff debtor view"] = arc.get("/staff/debtors/" + strconv.FormatInt(h.alice.ID, 10))
	pages["staff queue"] = arc.get("/staff/queues?kind=dispute")
	for name, res := range pages {
		if res.StatusCode >= 500 {
			t.Errorf("%s = %d", name, res.StatusCode)
			continue
		}
		lower := strings.ToLower(res.body)
		for _, raw := range raws {
			if strings.Contains(lower, strings.ToLower(raw)) {
				t.Errorf("%s: raw %q in the output", name, raw)
			}
		}
		doc := res.html(t)
		for _, s := range doc.tag("script") {
			if src := attrOf(s, "src"); !strings.HasPrefix(src, "/static/") {
				t.Errorf("%s: a <script> that is not ours: %v", name, s.Attr)
			}
		}
		for _, img := range doc.tag("img") {
			if src := attrOf(img, "src"); !strings.HasPrefix(src, "/brand/") && !strings.HasPrefix(src, "/static/") {
				t.Errorf("%s: unexpected <img> %v", name, img.Attr)
			}
		}
		for _, n := range doc.all(func(*htmlNode) bool { return true }) {
			for _, a := range n.Attr {
				if strings.HasPrefix(strings.ToLower(a.Key), "on") {
					t.Errorf("%s: <%s %s=…>", name, n.Data, a.Key)
				}
			}
		}
		checkHeaders(t, name, res)
	}
	// The payloads are there as text.
	dispute := pages["dispute"].html(t)
	bodies := dispute.testID("message-body")
	if len(bodies) != 3 || !strings.Contains(textOf(bodies[0]), p1) || !strings.Contains(textOf(bodies[0]), p3) ||
		!strings.Contains(textOf(bodies[1]), p3) {
		t.Errorf("the messages are not shown as text: %q", dispute.testIDText("conversation"))
	}
	if got := dispute.testIDText("dispute-reason"); got != norm(p3+p2) {
		t.Errorf("the reason reads %q", got)
	}
	names := []string{}
	for _, a := range dispute.testID("attachment-link") {
		names = append(names, textOf(a))
	}
	if len(names) != 3 || names[0] != f1 || names[1] != norm(f2) {
		t.Errorf("file names shown: %q", names)
	}
	if got := pages["refused form"].html(t).testIDText("refused-file"); !strings.Contains(got, f1) {
		t.Errorf("the refused file's name reads %q", got)
	}
	if got := textOf(pages["refused form"].html(t).byID("message")); got != norm(p1+p3) {
		t.Errorf("the kept message reads %q", got)
	}
	staffDoc := pages["staff"].html(t)
	if got := staffDoc.testIDText("conversation"); !strings.Contains(got, p1) || !strings.Contains(got, f1) {
		t.Errorf("the staff page does not show the payloads as text: %.300q", got)
	}
	// A download's name is plain ASCII, whatever the file was called.
	for _, a := range dispute.testID("attachment-link") {
		checkAttachmentHeaders(t, "download", c.get(attrOf(a, "href")), map[bool]string{true: "application/pdf", false: "image/png"}[strings.HasSuffix(textOf(a), ".pdf")])
	}

	// The email about the reply: plain text as written, the HTML part
	// escaped.
	msgs, err := h.st.Messages(h.ctx, h.a.ID, h.alice.ID, 5)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, m := range msgs {
		if m.Purpose != "dispute" {
			continue
		}
		found = true
		if !strings.Contains(m.Body, p3+p1+p2) {
			t.Errorf("the email's text lacks the reply: %q", m.Body)
		}
		if m.HTMLBody == "" {
			t.Fatal("the email has no HTML part")
		}
		lower := strings.ToLower(m.HTMLBody)
		for _, raw := range raws {
			if strings.Contains(lower, strings.ToLower(raw)) {
				t.Errorf("email HTML: raw %q", raw)
			}
		}
		if !strings.Contains(m.HTMLBody, "&lt;scr&lt;script&gt;ipt&gt;") {
			t.Errorf("email HTML does not show the reply as text: %.2000s", m.HTMLBody)
		}
	}
	if !found {
		t.Fatal("no email about the reply")
	}
}
