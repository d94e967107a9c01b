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
