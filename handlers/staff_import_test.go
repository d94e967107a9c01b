package handlers

import (
	"bytes"
	"strings"
	"testing"

	"github.com/settle/settle/internal/staff"
)

// A German Excel file: byte order mark, semicolons, CRLF, 1.234,56. Row
// 2 is alice (K-100 at creditor A; carol at B has the same number).
const importGood = "\ufeffKundennummer;Name;E-Mail;Rechnungsnummer;Rechnungsdatum;Fällig am;Betrag;Steuer\r\n" +
	"K-100;Alice Importiert;alice@example.de;CSV-1;01.11.2026;15.11.2026;1.234,56;197,11\r\n" +
	"K-900;\"Neu, Nina\";nina@example.de;CSV-2;02.11.2026;16.11.2026;29,99;\r\n"

const importBad = "Kundennummer;Name;Rechnungsnummer;Rechnungsdatum;Fällig am;Betrag\r\n" +
	"K-901;Eva;CSV-9;01.11.2026;15.11.2026;12,00\r\n" +
	"K-902;Max;CSV-10;01.11.2026;15.11.2026;zwölf\r\n"

func TestStaffImport(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin := h.staffClient(staff.RoleAdmin, h.a)
	en := []string{"Accept-Language", "en"}
	res := admin.get("/staff/settings/import", en...)
	if res.StatusCode != 200 || !strings.Contains(res.body, "customer_number, name, invoice_number") || !strings.Contains(res.body, `type="file"`) {
		t.Fatalf("form: %d\n%s", res.StatusCode, res.body)
	}
	if res := admin.get("/staff/settings", en...); !strings.Contains(res.body, `href="/staff/settings/import"`) {
		t.Error("settings overview does not lead to the import")
	}
	carolName := func() (n string) {
		h.db.Get(&n, `SELECT name FROM debtors WHERE id = $1`, h.carol.ID)
		return n
	}
	before := carolName()
	invoicesB := h.queryInt(`SELECT count(*) FROM invoices WHERE creditor_id = $1`, h.b.ID)

	// A dry run says what would happen and changes nothing.
	res = admin.postMultipart("/staff/settings/import", map[string][]string{"dry_run": {"1"}}, "file", "rechnungen.csv", []byte(importGood), en...)
	if res.StatusCode != 200 || !strings.Contains(res.body, "Check of rechnungen.csv: nothing was changed") ||
		!strings.Contains(res.body, "1 new, 1 changed, 0 unchanged") || !strings.Contains(res.body, "2 new, 0 changed, 0 unchanged") {
		t.Fatalf("dry run: %d\n%s", res.StatusCode, res.body)
	}
	if n := h.queryInt(`SELECT count(*) FROM invoices WHERE creditor_id = $1 AND number LIKE 'CSV-%'`, h.a.ID); n != 0 {
		t.Errorf("dry run stored %d invoices", n)
	}

	res = admin.postMultipart("/staff/settings/import", nil, "file", "rechnungen.csv", []byte(importGood))
	if res.StatusCode != 200 || !strings.Contains(res.body, "rechnungen.csv wurde importiert") || !strings.Contains(res.body, "2 Zeilen gelesen.") ||
		!strings.Contains(res.body, "2 neu, 0 geändert, 0 unverändert") {
		t.Fatalf("import: %d\n%s", res.StatusCode, res.body)
	}
	if n := h.queryInt(`SELECT total_minor FROM invoices WHERE creditor_id = $1 AND number = 'CSV-1' AND debtor_id = $2`, h.a.ID, h.alice.ID); n != 123456 {
		t.Errorf("CSV-1 total = %d", n)
	}
	if n := h.queryInt(`SELECT count(*) FROM events WHERE creditor_id = $1 AND type = 'invoice.created' AND data->>'invoice_number' LIKE 'CSV-%'`, h.a.ID); n != 2 {
		t.Errorf("%d invoice.created events", n)
	}
	if n := h.queryInt(`SELECT count(*) FROM audit_log WHERE creditor_id = $1 AND action = 'import.completed' AND subject = 'rechnungen.csv'`, h.a.ID); n != 1 {
		t.Errorf("%d audit entries", n)
	}
	if res := admin.get("/staff/audit", en...); !strings.Contains(res.body, "Imported a CSV file") || !strings.Contains(res.body, "New invoices") {
		t.Errorf("audit log does not show the import:\n%s", res.body)
	}
	if carolName() != before || h.queryInt(`SELECT count(*) FROM invoices WHERE creditor_id = $1`, h.b.ID) != invoicesB {
		t.Error("creditor B's data changed")
	}

	// Again: nothing changes.
	ledger := h.queryInt(`SELECT count(*) FROM ledger_entries WHERE creditor_id = $1`, h.a.ID)
	res = admin.postMultipart("/staff/settings/import", nil, "file", "rechnungen.csv", []byte(importGood), en...)
	if res.StatusCode != 200 || strings.Count(res.body, "0 new, 0 changed, 2 unchanged") != 2 {
		t.Fatalf("second import: %d\n%s", res.StatusCode, res.body)
	}
	if n := h.queryInt(`SELECT count(*) FROM ledger_entries WHERE creditor_id = $1`, h.a.ID); n != ledger {
		t.Errorf("second import booked %d entries", n-ledger)
	}

	// A file with a problem: the table names row and column, in the
	// reader's language, and nothing is imported.
	for lang, want := range map[string][]string{
		"de": {"Probleme in kaputt.csv", "Die Datei hat 1 Problem. Es wurde nichts importiert", "<th scope=\"row\">3</th>",
			"<code>Betrag</code>", "Geben Sie einen Betrag wie 1.234,56 oder 1234.56 an."},
		"en": {"Problems in kaputt.csv", "The file has 1 problem. Nothing was imported", "<th scope=\"row\">3</th>",
			"<code>Betrag</code>", "Use an amount like 1234.56 or 1.234,56."},
	} {
		res = admin.postMultipart("/staff/settings/import", nil, "file", "kaputt.csv", []byte(importBad), "Accept-Language", lang)
		if res.StatusCode != 422 {
			t.Errorf("%s: bad file = %d", lang, res.StatusCode)
		}
		for _, w := range want {
			if !strings.Contains(res.body, w) {
				t.Errorf("%s: no %q in\n%s", lang, w, res.body)
			}
		}
	}
	if n := h.queryInt(`SELECT count(*) FROM debtors WHERE creditor_id = $1 AND customer_number = 'K-901'`, h.a.ID); n != 0 {
		t.Error("a file with a problem imported its good row")
	}
	// Too large: said, not a broken connection.
	res = admin.postMultipart("/staff/settings/import", nil, "file", "gross.csv", bytes.Repeat([]byte("x"), maxImportBody), en...)
	if res.StatusCode != 422 || !strings.Contains(res.body, "The file is larger than 10 MB.") {
		t.Errorf("too large: %d\n%.2000s", res.StatusCode, res.body)
	}
	// No file at all.
	res = admin.postMultipart("/staff/settings/import", nil, "", "", nil, en...)
	if res.StatusCode != 422 || !strings.Contains(res.body, "Choose a CSV file.") {
		t.Errorf("no file: %d\n%s", res.StatusCode, res.body)
	}
}
