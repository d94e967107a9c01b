package csvimport_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/settle/settle/internal/billing"
	"github.com/settle/settle/internal/csvimport"
	"github.com/settle/settle/internal/i18n"
)

// FuzzCSVImport: the parser never panics; a file it accepts has rows
// that pass the billing rules again, each on its own and together; a
// file it refuses gets errors that each name a row and have a message in
// every language.
func FuzzCSVImport(f *testing.F) {
	head := "customer_number,name,invoice_number,issue_date,due_date,amount\n"
	for _, s := range []string{
		germanExcel,
		head + "1,Erika,R-1,2026-11-01,2026-11-15,12.50\n",
		"\ufeff" + head + "1,Erika,R-1,2026-11-01,2026-11-15,12.50\r\n",
		strings.ReplaceAll(head, ",", ";") + "1;\"Muster, Erika\";R-1;01.11.2026;15.11.2026;1.234,56\r\n",
		head + "1,\"Erika \"\"E\"\" \nMuster\",R-1,2026-11-01,2026-11-15,1\n",
		head + "1,Er\x00ika,R-1,2026-11-01,2026-11-15,1\n",
		head + "1," + strings.Repeat("x", 5000) + ",R-1,2026-11-01,2026-11-15,1\n",
		head + "1,A\"B,R-1,2026-11-01,2026-11-15,1\n",
		head + "1,A,R-1,2026-11-01,2026-11-15,1\n1,B,R-1,2026-11-01,2026-11-15,1\n",
		"customer_number\tname\tinvoice_number\tissue_date\tdue_date\tamount\ttax_amount\tcurrency\tbirth_date\tphone\n" +
			"1\tA\tR-1\t2026-11-01\t2026-11-15\t-1\t5\tJPY\t31.02.1980\t+49 30 123\n",
		"kundennummer;name;rechnungsnummer;rechnungsdatum;fällig am;betrag;unbekannt\n;;;;;;\n",
		"\xfc;\xe4\n",
		"sep=;\n" + head + "1;A;R-1;2026-11-01;2026-11-15;1,5\n",
		"sep=",
		"",
	} {
		f.Add([]byte(s))
	}
	loc := i18n.MustLoad()
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := csvimport.Parse(bytes.NewReader(data), opt)
		if err == nil {
			if len(file.Rows) == 0 || len(file.Rows) > csvimport.MaxRows {
				t.Fatalf("%d rows accepted", len(file.Rows))
			}
			for _, r := range file.Rows {
				if r.Row < 2 {
					t.Fatalf("row number %d", r.Row)
				}
				if _, err := r.Debtor.Debtor(1, r.CustomerNumber, opt.Today); err != nil {
					t.Fatalf("row %d: debtor %v", r.Row, err)
				}
				if _, err := r.Invoice.Invoice(1, r.InvoiceNumber); err != nil {
					t.Fatalf("row %d: invoice %v", r.Row, err)
				}
			}
			if err := billing.CheckRows(1, file.Rows, opt.Today); err != nil {
				t.Fatalf("rows accepted that the billing rules refuse: %v", err)
			}
			return
		}
		var errs billing.RowErrors
		if !errors.As(err, &errs) || len(errs) == 0 {
			t.Fatalf("error without rows: %v", err)
		}
		for _, e := range errs {
			if e.Row < 1 {
				t.Fatalf("error names no row: %+v", e)
			}
			for _, l := range i18n.Languages {
				if !loc.Locale(l).Has(e.Key) {
					t.Fatalf("no %s message for %q", l, e.Key)
				}
			}
		}
	})
}
