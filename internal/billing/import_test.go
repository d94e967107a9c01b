package billing_test

import (
	"context"
	"errors"
	"testing"

	"github.com/settle/settle/internal/billing"
)

func importRows(total int64) []billing.ImportRow {
	net := total - 100
	tax := int64(100)
	return []billing.ImportRow{
		{Row: 2, CustomerNumber: "5", Debtor: billing.DebtorInput{Name: "Erika Muster", Email: "erika@example.de"},
			InvoiceNumber: "CSV-1", Invoice: billing.InvoiceInput{IssueDate: "2026-11-01", DueDate: "2026-11-15", Currency: "EUR",
				TotalMinor: &total, TaxMinor: &tax, NetMinor: &net}},
		{Row: 3, CustomerNumber: "new", Debtor: billing.DebtorInput{Name: "Neu"},
			InvoiceNumber: "CSV-2", Invoice: billing.InvoiceInput{IssueDate: "2026-11-01", DueDate: "2026-11-15", Currency: "EUR",
				TotalMinor: &total, TaxMinor: &tax, NetMinor: &net}},
	}
}

func TestImportTwiceChangesNothing(t *testing.T) {
	svc, c := setup(t)
	ctx := context.Background()
	db := svc.Store.DB()
	// Debtor 5 has a street the file has no column for: it stays.
	if _, err := db.Exec(`UPDATE debtors SET street = 'Hauptstr. 1' WHERE customer_number = '5'`); err != nil {
		t.Fatal(err)
	}
	opt := billing.ImportOptions{Given: map[string]bool{"email": true}, Source: "test.csv"}
	res, err := svc.Import(ctx, c, importRows(1000), opt)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 2 || res.DebtorsCreated != 1 || res.DebtorsUpdated != 1 || res.InvoicesCreated != 2 {
		t.Errorf("first import: %+v", res)
	}
	count := func(q string) (n int) {
		t.Helper()
		if err := db.Get(&n, q); err != nil {
			t.Fatal(err)
		}
		return n
	}
	snapshot := func() [4]int {
		return [4]int{count(`SELECT count(*) FROM ledger_entries`), count(`SELECT count(*) FROM events`),
			count(`SELECT count(*) FROM debtors WHERE updated_at > created_at`), count(`SELECT count(*) FROM interactions`)}
	}
	before := snapshot()
	if count(`SELECT count(*) FROM events WHERE type = 'invoice.created'`) != 2 {
		t.Error("invoice.created not emitted twice")
	}
	var street string
	db.Get(&street, `SELECT street FROM debtors WHERE customer_number = '5'`)
	if street != "Hauptstr. 1" {
		t.Errorf("street = %q", street)
	}
	res, err = svc.Import(ctx, c, importRows(1000), opt)
	if err != nil {
		t.Fatal(err)
	}
	if res.DebtorsUnchanged != 2 || res.InvoicesSame != 2 || res.DebtorsCreated+res.DebtorsUpdated+res.InvoicesCreated+res.InvoicesUpdated != 0 {
		t.Errorf("second import: %+v", res)
	}
	if after := snapshot(); after != before {
		t.Errorf("second import changed something: %v → %v", before, after)
	}
	// A dry run with a changed amount says so and changes nothing.
	opt.DryRun = true
	res, err = svc.Import(ctx, c, importRows(1500), opt)
	if err != nil || res.InvoicesUpdated != 2 || !res.DryRun {
		t.Errorf("dry run: %+v, %v", res, err)
	}
	if after := snapshot(); after != before {
		t.Errorf("dry run changed something: %v → %v", before, after)
	}
	if n := count(`SELECT count(*) FROM audit_log WHERE action = 'import.completed'`); n != 2 {
		t.Errorf("%d audit entries, want 2 (the dry run is not audited)", n)
	}
	// Paid invoices cannot change: the row says so and nothing is applied.
	if _, err := db.Exec(`INSERT INTO ledger_entries (creditor_id, debtor_id, invoice_id, kind, amount_minor, currency, value_date, reference)
		SELECT creditor_id, debtor_id, id, 'payment', -500, 'EUR', '2026-11-02', 'p' FROM invoices WHERE number = 'CSV-2'`); err != nil {
		t.Fatal(err)
	}
	opt.DryRun = false
	rows := importRows(1500)
	rows[1].Debtor.Name = "Neu Geändert"
	_, err = svc.Import(ctx, c, rows, opt)
	var errs billing.RowErrors
	if !errors.As(err, &errs) || len(errs) != 1 || errs[0].Row != 3 || errs[0].Key != "error.api.invoice_settled" || errs[0].Field != "invoice_number" {
		t.Fatalf("settled: %v", err)
	}
	var name string
	db.Get(&name, `SELECT name FROM debtors WHERE customer_number = 'new'`)
	var total int64
	db.Get(&total, `SELECT total_minor FROM invoices WHERE number = 'CSV-1'`)
	if name != "Neu" || total != 1000 {
		t.Errorf("a refused import applied something: %q, %d", name, total)
	}
}

// Two imports of the same file at once: one creates, the other waits and
// finds everything in place (no duplicate-key failure).
func TestImportConcurrent(t *testing.T) {
	svc, c := setup(t)
	ctx := context.Background()
	type out struct {
		res *billing.ImportResult
		err error
	}
	ch := make(chan out, 2)
	for range 2 {
		go func() {
			res, err := svc.Import(ctx, c, importRows(1000), billing.ImportOptions{})
			ch <- out{res, err}
		}()
	}
	created := 0
	for range 2 {
		o := <-ch
		if o.err != nil {
			t.Fatal(o.err)
		}
		created += o.res.InvoicesCreated
	}
	if created != 2 {
		t.Errorf("%d invoices created, want 2", created)
	}
}
