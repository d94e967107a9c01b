package csvimport_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/settle/settle/internal/billing"
	"github.com/settle/settle/internal/csvimport"
	"github.com/settle/settle/internal/i18n"
)

var opt = csvimport.Options{Currency: "EUR", Today: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)}

// germanExcel is what German Excel saves as "CSV UTF-8": a byte order
// mark, ; between fields, CRLF, German amounts and dates, German headers.
const germanExcel = "\ufeffKundennummer;Name;E-Mail;Telefon;PLZ;Rechnungsnummer;Rechnungsdatum;Fällig am;Betrag;Steuer;Beschreibung\r\n" +
	"20001;\"Muster; Erika\";erika@example.de;0151 1234567;10115;R-1;01.11.2026;15.11.2026;1.234,56;197,11;\"Tarif \"\"M\"\"\"\r\n" +
	"20001;\"Muster; Erika\";erika@example.de;0151 1234567;10115;R-2;2026-11-02;16.11.26;29,99 €;;\r\n" +
	";;;;;;;;;;\r\n"

func TestGermanExcel(t *testing.T) {
	f, err := csvimport.Parse(strings.NewReader(germanExcel), opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Rows) != 2 {
		t.Fatalf("%d rows", len(f.Rows))
	}
	r := f.Rows[0]
	if r.Row != 2 || r.CustomerNumber != "20001" || r.InvoiceNumber != "R-1" || r.Debtor.Name != "Muster; Erika" ||
		r.Debtor.Phone != "0151 1234567" || r.Invoice.IssueDate != "2026-11-01" || r.Invoice.DueDate != "2026-11-15" ||
		*r.Invoice.TotalMinor != 123456 || *r.Invoice.TaxMinor != 19711 || *r.Invoice.NetMinor != 103745 ||
		r.Invoice.Currency != "EUR" || r.Invoice.Description != `Tarif "M"` {
		t.Errorf("row 2 = %+v / %+v", r, r.Invoice)
	}
	if *f.Rows[1].Invoice.TotalMinor != 2999 || *f.Rows[1].Invoice.TaxMinor != 0 || f.Rows[1].Invoice.DueDate != "2026-11-16" {
		t.Errorf("row 3 = %+v", f.Rows[1].Invoice)
	}
	if !f.Given["email"] || !f.Given["postcode"] || f.Given["street"] {
		t.Errorf("given = %v", f.Given)
	}
}

func TestWindows1252AndComma(t *testing.T) {
	// Older Excel: Windows-1252 (ü = 0xfc); a comma-separated export.
	in := "customer_number,name,city,invoice_number,issue_date,due_date,amount,currency\n" +
		"7,J\xfcrgen,M\xfcnchen,A-7,2026-11-01,2026-11-30,\"1,234.50\",eur\n"
	f, err := csvimport.Parse(strings.NewReader(in), opt)
	if err != nil {
		t.Fatal(err)
	}
	if r := f.Rows[0]; r.Debtor.Name != "Jürgen" || r.Debtor.City != "München" || *r.Invoice.TotalMinor != 123450 || r.Invoice.Currency != "EUR" {
		t.Errorf("%+v", r)
	}
}

func TestSepLine(t *testing.T) {
	// Excel's sep= line: the separator, and not a row (a comma in the
	// header would otherwise win).
	in := "sep=;\r\ncustomer_number;name;invoice_number;issue_date;due_date;amount;description\r\n" +
		"1;Erika;R-1;2026-11-01;2026-11-15;12,50;a, b, c\r\n"
	f, err := csvimport.Parse(strings.NewReader(in), opt)
	if err != nil {
		t.Fatal(err)
	}
	if r := f.Rows[0]; r.Row != 2 || *r.Invoice.TotalMinor != 1250 || r.Invoice.Description != "a, b, c" {
		t.Errorf("%+v", r)
	}
}

func problems(t *testing.T, in, lang string) []string {
	t.Helper()
	_, err := csvimport.Parse(strings.NewReader(in), opt)
	var errs billing.RowErrors
	if !errors.As(err, &errs) {
		t.Fatalf("err = %v", err)
	}
	loc := i18n.MustLoad().Locale(lang)
	var out []string
	for _, p := range csvimport.Problems(errs, loc) {
		out = append(out, p.Line(loc))
	}
	return out
}

func TestProblemsNameRowAndColumn(t *testing.T) {
	in := "Kundennummer;Name;E-Mail;Rechnungsnummer;Rechnungsdatum;Fällig am;Betrag\n" +
		"1;Erika;erika@example.de;R-1;01.11.2026;15.11.2026;12,50\n" +
		"2;Max;kein-mail;R-2;01.11.2026;31.10.2026;zwölf\n" +
		"1;Erika M.;erika@example.de;R-1;01.11.2026;15.11.2026;12,50\n"
	de := problems(t, in, "de")
	want := []string{
		"Zeile 3, Spalte Betrag: Geben Sie einen Betrag wie 1.234,56 oder 1234.56 an.",
		"Zeile 3, Spalte E-Mail: ",
		"Zeile 3, Spalte Fällig am: ",
		"Zeile 4, Spalte Name: Das weicht von Zeile 2 desselben Kunden ab",
		"Zeile 4, Spalte Rechnungsnummer: Diese Rechnungsnummer steht schon in Zeile 2.",
	}
	all := strings.Join(de, "\n")
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("missing %q in\n%s", w, all)
		}
	}
	if len(de) != len(want) {
		t.Errorf("%d problems:\n%s", len(de), all)
	}
	en := strings.Join(problems(t, in, "en"), "\n")
	if !strings.Contains(en, "Row 3, column Betrag: Use an amount like 1234.56 or 1.234,56.") ||
		!strings.Contains(en, "Row 3, column Fällig am: The due date lies before the issue date.") {
		t.Errorf("en:\n%s", en)
	}
}

func TestFileProblems(t *testing.T) {
	for name, c := range map[string]struct{ in, want string }{
		"empty":          {"", "Row 1: The file is empty."},
		"header only":    {"customer_number,name,invoice_number,issue_date,due_date,amount\r\n", "Row 2: The file has a header row but no invoices."},
		"missing column": {"customer_number,name,invoice_number,issue_date,amount\n1,A,R,2026-11-01,5\n", "Row 1, column due_date: This column is missing; it is required."},
		"unknown column": {"customer_number,name,invoice_number,issue_date,due_date,amount,Bemerkung\n", "Row 1, column Bemerkung: We do not know this column."},
		"stray quote":    {"customer_number,name,invoice_number,issue_date,due_date,amount\n1,A\"B,R,2026-11-01,2026-11-02,5\n", "Row 2: This row cannot be read"},
		"extra cells":    {"customer_number,name,invoice_number,issue_date,due_date,amount,\n1,A,R,2026-11-01,2026-11-02,5,x\n", "Row 2: This row has values in cells without a column name."},
	} {
		got := strings.Join(problems(t, c.in, "en"), "\n")
		if !strings.Contains(got, c.want) {
			t.Errorf("%s: %q, want %q", name, got, c.want)
		}
	}
	big := strings.Repeat("x", csvimport.MaxBytes+1)
	if got := problems(t, big, "en"); len(got) != 1 || got[0] != "File: The file is larger than 10 MB. Split it into several files." {
		t.Errorf("too large: %q", got)
	}
	var b strings.Builder
	b.WriteString("customer_number,name,invoice_number,issue_date,due_date,amount\n")
	for i := 0; i <= csvimport.MaxRows; i++ {
		fmt.Fprintf(&b, "1,A,R%d,2026-11-01,2026-11-02,5\n", i)
	}
	got := problems(t, b.String(), "en")
	if !strings.Contains(strings.Join(got, "\n"), "Row 50002: A file may hold at most 50000 invoices") {
		t.Errorf("too many rows: %d problems, first %q", len(got), got[:min(3, len(got))])
	}
	// Millions of problems (a header of 100,000 unknown columns): the
	// first thousand, the last saying where reading stopped.
	b.Reset()
	for i := 0; i < 100_000; i++ {
		fmt.Fprintf(&b, "x%d,", i)
	}
	got = problems(t, b.String()+"\n", "en")
	if len(got) != csvimport.MaxProblems || got[len(got)-1] != "Row 1: Reading stopped here after 1000 problems. Correct these and upload the file again to see any further ones." {
		t.Errorf("%d problems, last %q", len(got), got[len(got)-1])
	}
}
