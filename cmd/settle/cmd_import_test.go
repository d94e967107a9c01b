package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/store"
	"github.com/settle/settle/internal/testdb"
)

func TestImportCommand(t *testing.T) {
	ctx := context.Background()
	url := testdb.NewURL(t)
	t.Setenv("DATABASE_URL", url)
	db, err := sqlx.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st := store.New(db)
	var ids []int64
	for _, slug := range []string{"acme", "other"} {
		id, err := st.CreateCreditor(ctx, store.NewCreditor{Creditor: ar.Creditor{Slug: slug, Name: slug,
			PrimaryColor: "#1f4f8f", AccentColor: "#0b7a4b", DefaultLanguage: "de", Timezone: "Europe/Berlin",
			Currency: "EUR", StepUp: ar.StepUpNone, StepUpKnowledge: ar.KnowPostcode}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	// The other creditor has a customer with the same number.
	if _, err := st.UpsertDebtor(ctx, &ar.Debtor{CreditorID: ids[1], CustomerNumber: "20001", Name: "Andere"}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("rechnungen.csv", "\ufeffKundennummer;Name;E-Mail;Rechnungsnummer;Rechnungsdatum;Fällig am;Betrag;Steuer\r\n"+
		"20001;\"Muster; Erika\";erika@example.de;R-1;01.11.2026;15.11.2026;1.234,56;197,11\r\n"+
		"20001;\"Muster; Erika\";erika@example.de;R-2;02.11.2026;16.11.2026;29,99;4,79\r\n"+
		"20002;Max Mustermann;;R-3;02.11.2026;16.11.2026;10;\r\n")
	bad := write("kaputt.csv", "Kundennummer;Name;Rechnungsnummer;Rechnungsdatum;Fällig am;Betrag\r\n"+
		"20001;Erika;R-1;01.11.2026;15.11.2026;1.234,56\r\n"+
		"20003;Eva;R-9;01.11.2026;15.11.2026;zwölf\r\n")
	run := func(args ...string) (string, error) {
		var out, errb bytes.Buffer
		err := cmdImport(ctx, args, &out, &errb)
		return out.String() + errb.String(), err
	}
	for _, args := range [][]string{{good}, {"--creditor", "acme"}, {"--creditor", "acme", good, good},
		{"--creditor", "nobody", good}, {"--creditor", "acme", "--lang", "fr", good}, {"--creditor", "acme", filepath.Join(dir, "missing.csv")}} {
		if _, err := run(args...); err == nil {
			t.Errorf("import %q: no error", args)
		}
	}
	count := func(q string, args ...any) (n int) {
		t.Helper()
		if err := db.Get(&n, q, args...); err != nil {
			t.Fatal(err)
		}
		return n
	}
	out, err := run("--creditor", "acme", "--dry-run", good)
	if err != nil || !strings.Contains(out, "acme dry run, nothing changed: 3 rows read; debtors 2 created, 0 updated, 0 unchanged; invoices 3 created") {
		t.Errorf("dry run: %v\n%s", err, out)
	}
	if n := count(`SELECT count(*) FROM invoices WHERE creditor_id = $1`, ids[0]); n != 0 {
		t.Errorf("dry run stored %d invoices", n)
	}
	out, err = run("--creditor", "acme", good)
	if err != nil || !strings.Contains(out, "acme imported: 3 rows read; debtors 2 created, 0 updated, 0 unchanged; invoices 3 created, 0 updated, 0 unchanged") {
		t.Errorf("import: %v\n%s", err, out)
	}
	if n := count(`SELECT total_minor FROM invoices WHERE creditor_id = $1 AND number = 'R-1'`, ids[0]); n != 123456 {
		t.Errorf("R-1 total = %d", n)
	}
	out, err = run("--creditor", "acme", good)
	if err != nil || !strings.Contains(out, "debtors 0 created, 0 updated, 2 unchanged; invoices 0 created, 0 updated, 3 unchanged") {
		t.Errorf("second import: %v\n%s", err, out)
	}
	out, err = run("--creditor", "acme", "--lang", "de", bad)
	if err == nil || !strings.Contains(out, "Zeile 3, Spalte Betrag: Geben Sie einen Betrag wie 1.234,56 oder 1234.56 an.") ||
		!strings.Contains(err.Error(), "1 problems; nothing was imported") {
		t.Errorf("bad file: %v\n%s", err, out)
	}
	if n := count(`SELECT count(*) FROM debtors WHERE creditor_id = $1 AND customer_number = '20003'`, ids[0]); n != 0 {
		t.Error("a refused file created a debtor")
	}
	if n := count(`SELECT count(*) FROM debtors WHERE creditor_id = $1 AND name = 'Andere'`, ids[1]); n != 1 {
		t.Error("the other creditor's customer changed")
	}
	if n := count(`SELECT count(*) FROM invoices WHERE creditor_id = $1`, ids[1]); n != 0 {
		t.Error("the other creditor got invoices")
	}
	if n := count(`SELECT count(*) FROM audit_log WHERE action = 'import.completed' AND creditor_id = $1 AND subject = 'rechnungen.csv'`, ids[0]); n != 2 {
		t.Errorf("%d audit entries", n)
	}
}
