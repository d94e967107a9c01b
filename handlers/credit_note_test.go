package handlers

import (
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/staff"
	"github.com/settle/settle/internal/store"
)

// addCreditNote books a credit note for d (against invoice, "" for one on
// the account) straight in the store and returns its number; a number
// the creditor has already is left as it is.
func (h *harness) addCreditNote(c *ar.Creditor, d *ar.Debtor, number, invoice string, amount int64) string {
	h.t.Helper()
	if ok, err := h.st.CreditNoteExists(h.ctx, c.ID, number); err != nil {
		h.t.Fatal(err)
	} else if ok {
		return number
	}
	cn := &store.CreditNote{CreditorID: c.ID, DebtorID: d.ID, Number: number, AmountMinor: amount, Currency: "EUR",
		Reason: "Kulanz", IssueDate: civil("2026-11-20")}
	if invoice != "" {
		id := h.invoices[d.ID][invoice].ID
		cn.InvoiceID = &id
	}
	if err := h.st.CreateCreditNote(h.ctx, cn); err != nil {
		h.t.Fatal(err)
	}
	return number
}

// pdfText is what pdftotext reads from a PDF (layout kept, spaces
// normalised); without pdftotext the test is skipped locally and fails
// under CI.
func pdfText(t *testing.T, pdf string) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext is missing; CI must install poppler-utils")
		}
		t.Skip("pdftotext is missing (apt install poppler-utils)")
	}
	f := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(f, []byte(pdf), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-layout", f, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return norm(string(out))
}

// decimal is an amount as typed into a German form (1234,51).
func decimal(minor int64) string { return fmt.Sprintf("%d,%02d", minor/100, minor%100) }

// A credit note from the creditor's API: one credit_note.issued event,
// and the debtor's PDF with the number, the invoice, the reason, the
// amount and what was open on the invoice right after it, in German and
// English; nobody else's number opens.
func TestCreditNotePDF(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	key := h.apiKey(h.a)
	open := h.open("R-1001")
	body := `{"number": "GS-1", "customer_number": "K-100", "invoice_number": "R-1001", "amount_minor": 1500,
		"currency": "EUR", "issue_date": "2026-11-20", "reason": "Störung 3 Tage"}`
	if res := h.call("POST", "/api/v1/credit-notes", key, body); res.status != 201 {
		t.Fatalf("%d %s", res.status, res.body)
	}
	if n := h.queryInt(`SELECT count(*) FROM events WHERE creditor_id = $1 AND debtor_id = $2 AND type = 'credit_note.issued'`,
		h.a.ID, h.alice.ID); n != 1 {
		t.Errorf("%d credit_note.issued events, want 1", n)
	}
	if n := h.queryInt(`SELECT count(*) FROM events WHERE type = 'credit_note.issued' AND data->>'number' = 'GS-1'
		AND data->>'customer_number' = 'K-100' AND data->>'invoice_number' = 'R-1001' AND (data->>'amount_minor')::int = 1500
		AND data->>'currency' = 'EUR' AND data->>'issue_date' = '2026-11-20' AND data->>'reason' = 'Störung 3 Tage'`); n != 1 {
		t.Errorf("credit_note.issued payload: %d matching", n)
	}
	// On the account (no invoice): invoice_number is null.
	if res := h.call("POST", "/api/v1/credit-notes", key, `{"number": "GS-2", "customer_number": "K-100", "amount_minor": 700,
		"currency": "EUR", "issue_date": "2026-11-21"}`); res.status != 201 {
		t.Fatalf("%d %s", res.status, res.body)
	}
	if n := h.queryInt(`SELECT count(*) FROM events WHERE type = 'credit_note.issued' AND data->>'number' = 'GS-2'
		AND data ? 'invoice_number' AND data->'invoice_number' = 'null'::jsonb`); n != 1 {
		t.Errorf("credit on the account: %d events with invoice_number null", n)
	}
	// Money arriving later does not change the document.
	if res := h.call("POST", "/api/v1/payments", key, `{"customer_number": "K-100", "amount_minor": 100,
		"currency": "EUR", "value_date": "2026-11-22", "invoice_numbers": ["R-1001"]}`); res.status != 201 {
		t.Fatalf("payment: %d %s", res.status, res.body)
	}

	// Without a session: the page that explains how to get in; before the
	// step-up: to the step-up.
	if res := h.client().get("/account/credit-notes/GS-1/pdf"); res.StatusCode != 401 || strings.HasPrefix(res.body, "%PDF") {
		t.Errorf("anonymous: %d", res.StatusCode)
	}
	if res := h.entered(h.alice).get("/account/credit-notes/GS-1/pdf"); res.StatusCode != 303 ||
		!strings.HasPrefix(res.Header.Get("Location"), "/account/verify") {
		t.Errorf("before step-up: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	c := h.steppedUp(h.alice)
	res := c.get("/account/credit-notes/GS-1/pdf")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/pdf" ||
		res.Header.Get("Content-Disposition") != `attachment; filename="CreditNote-GS-1.pdf"` ||
		res.Header.Get("Cache-Control") != "private, no-store" || !strings.HasPrefix(res.body, "%PDF-") {
		t.Fatalf("credit note PDF: %d %v", res.StatusCode, res.Header)
	}
	de, en := h.de(), h.en()
	text := pdfText(t, res.body)
	for _, want := range []string{de.T("doc.credit_note.title", "Number", "GS-1"), nameA, aliceName, "Amselweg 1",
		de.T("doc.credit_note.invoice"), "R-1001", "Störung 3 Tage", de.Date(civil("2026-11-20")),
		de.Money(1500, "EUR"), de.T("doc.credit_note.open_after", "Number", "R-1001"), de.Money(open-1500, "EUR")} {
		if !strings.Contains(text, norm(want)) {
			t.Errorf("German PDF lacks %q:\n%s", want, text)
		}
	}
	text = pdfText(t, c.get("/account/credit-notes/GS-1/pdf?lang=en").body)
	for _, want := range []string{"Credit note GS-1", "For invoice", "R-1001", en.Money(1500, "EUR"),
		"Still open on invoice R-1001", en.Money(open-1500, "EUR")} {
		if !strings.Contains(text, norm(want)) {
			t.Errorf("English PDF lacks %q:\n%s", want, text)
		}
	}
	text = pdfText(t, c.get("/account/credit-notes/GS-2/pdf?lang=de").body)
	if !strings.Contains(text, norm(de.T("doc.credit_note.on_account"))) || strings.Contains(text, "R-1001") {
		t.Errorf("credit on the account:\n%s", text)
	}

	// Another debtor's, another creditor's, and unknown numbers: 404.
	h.addCreditNote(h.b, h.carol, "GS-9", "R-2001", 100)
	h.addCreditNote(h.a, h.bob, "GS-8", "R-2001", 100)
	for _, n := range []string{"GS-9", "GS-8", "GS-404"} {
		if res := c.get("/account/credit-notes/" + n + "/pdf"); res.StatusCode != 404 || strings.HasPrefix(res.body, "%PDF") {
			t.Errorf("alice gets %s: %d", n, res.StatusCode)
		}
	}
	if res := h.steppedUp(h.bob).get("/account/credit-notes/GS-1/pdf"); res.StatusCode != 404 {
		t.Errorf("bob gets alice's GS-1: %d", res.StatusCode)
	}

	// Staff of the creditor: the same document, audited; another
	// debtor's or creditor's: 404.
	agent := h.staffClient(staff.RoleAgent, h.a)
	path := staffCreditNotePath(h.alice.ID, "GS-1")
	if res := agent.get(path); res.StatusCode != 200 || !strings.HasPrefix(res.body, "%PDF-") ||
		!strings.Contains(pdfText(t, res.body), "GS-1") {
		t.Errorf("staff download: %d", res.StatusCode)
	}
	if n := h.queryInt(`SELECT count(*) FROM audit_log WHERE action = 'credit_note.downloaded' AND subject = 'K-100'
		AND after->>'credit_note' = 'GS-1'`); n != 1 {
		t.Errorf("%d audit entries", n)
	}
	staffLinks := map[string]bool{}
	for _, a := range agent.get("/staff/debtors/" + strconv.FormatInt(h.alice.ID, 10)).html(t).testID("timeline-doc") {
		href, _ := attr(a, "href")
		staffLinks[href] = true
	}
	if !staffLinks[path] || !staffLinks[staffCreditNotePath(h.alice.ID, "GS-2")] {
		t.Errorf("the staff timeline links %v", staffLinks)
	}
	if res := agent.get(staffCreditNotePath(h.bob.ID, "GS-1")); res.StatusCode != 404 {
		t.Errorf("GS-1 under bob: %d", res.StatusCode)
	}
	if res := h.staffClient(staff.RoleAdmin, h.b).get(path); res.StatusCode != 404 {
		t.Errorf("creditor B's admin: %d", res.StatusCode)
	}

	// The history links the credit note.
	hist := c.get("/account/history").html(t)
	found := false
	for _, a := range hist.testID("doc-credit-note-pdf") {
		href, _ := attr(a, "href")
		found = found || href == "/account/credit-notes/GS-1/pdf"
	}
	if !found {
		t.Error("the history does not link GS-1's PDF")
	}
}

// Accepting a dispute issues a credit note: one credit_note.issued with
// the API's payload shape, the PDF for the debtor (linked from the
// dispute page and the history) and for staff (linked from the dispute).
func TestDisputeCreditNote(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c, id, dbID := openDispute(t, h)
	open := h.open("R-1001")
	arc := h.staffClient(staff.RoleAR, h.a)
	if res := arc.post(staffDisputePath(dbID, "/accept"), url.Values{"amount": {"12,34"}}); res.StatusCode != 303 {
		t.Fatalf("accept: %d", res.StatusCode)
	}
	number := "GS-" + id
	if n := h.queryInt(`SELECT count(*) FROM events WHERE type = 'credit_note.issued'`); n != 1 {
		t.Errorf("%d credit_note.issued events, want 1", n)
	}
	if n := h.queryInt(`SELECT count(*) FROM events WHERE type = 'credit_note.issued' AND data->>'number' = $1
		AND data->>'customer_number' = 'K-100' AND data->>'invoice_number' = 'R-1001' AND (data->>'amount_minor')::int = 1234
		AND data->>'currency' = 'EUR' AND data->>'issue_date' = '2026-11-23' AND data->>'reason' = $2`, number, "dispute "+id); n != 1 {
		t.Errorf("credit_note.issued payload: %d matching", n)
	}
	var keys []string
	if err := h.db.Select(&keys, `SELECT jsonb_object_keys(data) FROM events WHERE type = 'credit_note.issued' ORDER BY 1`); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(keys, ","); got != "amount_minor,currency,customer_number,invoice_number,issue_date,number,reason" {
		t.Errorf("payload keys: %s", got)
	}
	if n := h.queryInt(`SELECT count(*) FROM events WHERE type = 'service.restorable'`); n != 0 {
		t.Error("service.restorable for an unrestricted debtor")
	}

	page := c.get(disputePath(id, "")).html(t)
	links := page.testID("credit-note-pdf")
	if len(links) != 1 {
		t.Fatalf("%d credit note links on the dispute page", len(links))
	}
	href, _ := attr(links[0], "href")
	if href != "/account/credit-notes/"+number+"/pdf" {
		t.Errorf("dispute page links %q", href)
	}
	res := c.get(href)
	if res.StatusCode != 200 {
		t.Fatalf("PDF: %d", res.StatusCode)
	}
	de := h.de()
	text := pdfText(t, res.body)
	for _, want := range []string{de.T("doc.credit_note.title", "Number", number), "R-1001", de.Money(1234, "EUR"),
		de.Money(open-1234, "EUR"), de.T("doc.credit_note.reason_dispute", "Dispute", id)} {
		if !strings.Contains(text, norm(want)) {
			t.Errorf("PDF lacks %q:\n%s", want, text)
		}
	}
	text = pdfText(t, c.get(href+"?lang=en").body)
	if !strings.Contains(text, norm(h.en().T("doc.credit_note.reason_dispute", "Dispute", id))) || !strings.Contains(text, "Credit note "+number) {
		t.Errorf("English PDF:\n%s", text)
	}
	found := false
	for _, a := range c.get("/account/history?kind=disputes").html(t).testID("doc-credit-note-pdf") {
		h, _ := attr(a, "href")
		found = found || h == href
	}
	if !found {
		t.Error("the history's accepted dispute does not link the credit note")
	}
	staffPage := arc.get(staffDisputePath(dbID, "")).html(t)
	links = staffPage.testID("credit-note-pdf")
	if len(links) != 1 {
		t.Fatalf("%d credit note links on the staff dispute page", len(links))
	}
	staffHref, _ := attr(links[0], "href")
	if staffHref != "/staff/debtors/"+strconv.FormatInt(h.alice.ID, 10)+"/credit-notes/"+number+"/pdf" {
		t.Errorf("staff link %q", staffHref)
	}
	if res := arc.get(staffHref); res.StatusCode != 200 || !strings.HasPrefix(res.body, "%PDF-") {
		t.Errorf("staff PDF: %d", res.StatusCode)
	}
}

// A restricted debtor whose only overdue invoice is credited in full by
// an accepted dispute: the service is restorable, told once.
func TestDisputeCreditRestorable(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	key := h.apiKey(h.a)
	if res := h.call("PUT", "/api/v1/debtors/K-100/service-status", key, `{"status": "restricted"}`); res.status != 200 {
		t.Fatalf("restrict: %d %s", res.status, res.body)
	}
	_, _, dbID := openDispute(t, h)
	arc := h.staffClient(staff.RoleAR, h.a)
	h.clock.Advance(1)
	if res := arc.post(staffDisputePath(dbID, "/accept"), url.Values{"amount": {decimal(h.open("R-1001"))}}); res.StatusCode != 303 {
		t.Fatalf("accept: %d %s", res.StatusCode, res.body)
	}
	if h.open("R-1001") != 0 {
		t.Fatalf("R-1001 still has %d open", h.open("R-1001"))
	}
	if n := h.queryInt(`SELECT count(*) FROM events WHERE creditor_id = $1 AND debtor_id = $2 AND type = 'service.restorable'`,
		h.a.ID, h.alice.ID); n != 1 {
		t.Errorf("%d service.restorable events, want 1", n)
	}
	if n := h.interactions(h.alice, "service.restorable"); n != 1 {
		t.Errorf("%d service.restorable timeline entries", n)
	}
	// A later credit note (from the API) tells nothing again.
	if res := h.call("POST", "/api/v1/credit-notes", key, `{"number": "GS-X", "customer_number": "K-100", "invoice_number": "R-1002",
		"amount_minor": 100, "currency": "EUR", "issue_date": "2026-11-23"}`); res.status != 201 {
		t.Fatalf("%d %s", res.status, res.body)
	}
	if n := h.queryInt(`SELECT count(*) FROM events WHERE type = 'service.restorable'`); n != 1 {
		t.Errorf("%d service.restorable events after a second credit note", n)
	}
}
