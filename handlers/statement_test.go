package handlers

import (
	"strings"
	"testing"
)

func TestStatement(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.steppedUp(h.alice)
	page := c.get("/account/statement?from=2026-01-01&to=2026-12-31")
	if page.StatusCode != 200 {
		t.Fatalf("statement: %d", page.StatusCode)
	}
	doc := page.html(t)
	lines := doc.testID("statement-line")
	if len(lines) < 4 {
		t.Errorf("%d statement lines", len(lines))
	}
	// Closing balance = opening + entries = everything alice has open.
	open := h.open("R-1001") + h.open("R-1002") + h.open("R-1003")
	if closing := doc.testIDText("closing"); !contains(closing, h.de().Money(open, "EUR")) {
		t.Errorf("closing %q, want %s", closing, h.de().Money(open, "EUR"))
	}
	if contains(doc.text(), "R-2001") || contains(doc.text(), "Bobs") {
		t.Error("another debtor's entries on alice's statement")
	}
	// A period before everything: opening 0, no lines.
	if early := c.get("/account/statement?from=2025-01-01&to=2025-12-31").html(t); len(early.testID("statement-line")) != 0 {
		t.Error("entries outside the period")
	}
	// Bad periods are a clear 400, with the form.
	for _, q := range []string{"from=2026-13-01&to=2026-12-31", "from=2026-12-31&to=2026-01-01"} {
		if res := c.get("/account/statement?" + q); res.StatusCode != 400 || len(res.html(t).tag("form")) == 0 {
			t.Errorf("%s: %d", q, res.StatusCode)
		}
	}

	// CSV, German: BOM, semicolons, decimal comma; a reference that looks
	// like a formula is defused.
	if _, err := h.db.Exec(`INSERT INTO ledger_entries (creditor_id, debtor_id, kind, amount_minor, currency, value_date, reference)
		VALUES ($1, $2, 'fee', 250, 'EUR', '2026-11-20', '=HYPERLINK("http://evil")')`, h.a.ID, h.alice.ID); err != nil {
		t.Fatal(err)
	}
	res := c.get("/account/statement?format=csv&from=2026-01-01&to=2026-12-31")
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") ||
		!strings.HasPrefix(res.body, "\ufeffDatum;Buchung;Rechnung;Referenz;Betrag;Saldo") {
		t.Fatalf("csv: %d %.80q", res.StatusCode, res.body)
	}
	if !strings.Contains(res.body, ";2,50;") || !strings.Contains(res.body, `'=HYPERLINK`) {
		t.Errorf("csv amounts or formula guard: %s", res.body)
	}
	if n := h.interactions(h.alice, "statement.downloaded"); n != 1 {
		t.Errorf("%d downloads recorded", n)
	}
	if res := c.get("/account/statement?format=pdf&from=2026-01-01&to=2026-12-31"); res.StatusCode != 200 ||
		res.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(res.body, "%PDF-") ||
		!strings.Contains(res.Header.Get("Content-Disposition"), "Statement-2026-01-01-2026-12-31.pdf") {
		t.Errorf("pdf: %d %v", res.StatusCode, res.Header)
	}
	// English: commas and a decimal point.
	if res := c.get("/account/statement?format=csv&lang=en&from=2026-01-01&to=2026-12-31"); !strings.HasPrefix(res.body, "\ufeffDate,Entry,") || !strings.Contains(res.body, ",2.50,") {
		t.Errorf("english csv: %.120q", res.body)
	}
}

// Each statement line names its document: the invoice's number, the
// credit note's (linked to its PDF in the page), the payment's
// reference; in the page, the CSV and the PDF.
func TestStatementReferences(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	key := h.apiKey(h.a)
	if res := h.call("POST", "/api/v1/credit-notes", key, `{"number": "GS-77", "customer_number": "K-100", "invoice_number": "R-1001",
		"amount_minor": 1500, "currency": "EUR", "issue_date": "2026-11-20", "reason": "Kulanz"}`); res.status != 201 {
		t.Fatalf("credit note: %d %s", res.status, res.body)
	}
	if res := h.call("POST", "/api/v1/payments", key, `{"customer_number": "K-100", "amount_minor": 2000, "currency": "EUR",
		"value_date": "2026-11-21", "reference": "Überweisung 4711", "invoice_numbers": ["R-1002"]}`); res.status != 201 {
		t.Fatalf("payment: %d %s", res.status, res.body)
	}
	c := h.steppedUp(h.alice)
	const period = "from=2026-01-01&to=2026-12-31"
	doc := c.get("/account/statement?" + period).html(t)
	byDoc := map[string]string{} // document → line text
	hrefs := map[string]string{}
	for _, l := range doc.testID("statement-line") {
		line := &htmlDoc{root: l}
		for _, d := range line.testID("statement-doc") {
			byDoc[textOf(d)] = line.text()
			if href, ok := attr(d, "href"); ok {
				hrefs[textOf(d)] = href
			}
		}
	}
	de := h.de()
	for d, kind := range map[string]string{"R-1001": "ledger.invoice", "R-1002": "ledger.invoice", "GS-77": "ledger.credit_note",
		"Überweisung 4711": "ledger.payment"} {
		if line, ok := byDoc[d]; !ok || !strings.Contains(line, de.T(kind)) {
			t.Errorf("no %s line with document %q: %q (lines: %v)", de.T(kind), d, line, byDoc)
		}
	}
	if !strings.Contains(byDoc["GS-77"], norm(de.T("page.statement.for_invoice", "Number", "R-1001"))) {
		t.Errorf("the credit note line does not name its invoice: %q", byDoc["GS-77"])
	}
	if hrefs["GS-77"] != "/account/credit-notes/GS-77/pdf" || len(hrefs) != 1 {
		t.Errorf("document links: %v", hrefs)
	}
	if res := c.get(hrefs["GS-77"]); res.StatusCode != 200 || !strings.HasPrefix(res.body, "%PDF-") {
		t.Errorf("the linked credit note: %d", res.StatusCode)
	}

	csv := c.get("/account/statement?format=csv&" + period).body
	for _, want := range []string{";Gutschrift;R-1001;GS-77;-15,00;", ";Rechnung;R-1001;R-1001;", ";Zahlung;R-1002;Überweisung 4711;-20,00;"} {
		if !strings.Contains(csv, want) {
			t.Errorf("CSV lacks %q:\n%s", want, csv)
		}
	}
	text := pdfText(t, c.get("/account/statement?format=pdf&"+period).body)
	for _, want := range []string{"GS-77", "Überweisung 4711", de.Money(-1500, "EUR")} {
		if !strings.Contains(text, norm(want)) {
			t.Errorf("statement PDF lacks %q:\n%s", want, text)
		}
	}
	en := c.get("/account/statement?lang=en&format=csv&" + period).body
	if !strings.Contains(en, ",Credit note,R-1001,GS-77,-15.00,") {
		t.Errorf("English CSV:\n%s", en)
	}
}
