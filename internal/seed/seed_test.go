package seed_test

import (
	"context"
	"testing"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/seed"
	"github.com/settle/settle/internal/store"
	"github.com/settle/settle/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func TestGenerate(t *testing.T) {
	ctx := context.Background()
	db := testdb.New(t)
	st := store.New(db)
	cid, err := st.CreateCreditor(ctx, store.NewCreditor{Creditor: ar.Creditor{Slug: "load", Name: "Load",
		PrimaryColor: "#123456", AccentColor: "#654321", DefaultLanguage: "de", Timezone: "Europe/Berlin",
		Currency: "EUR", StepUp: ar.StepUpKnowledge, StepUpKnowledge: ar.KnowPostcode}})
	if err != nil {
		t.Fatal(err)
	}
	asOf := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	var progress int
	s1, err := seed.Generate(ctx, db, seed.Options{CreditorID: cid, Debtors: 3000, InvoicesPerDebtor: 6, AsOf: asOf,
		RebuildIndexes: true, Progress: func(done int) { progress = done }})
	if err != nil {
		t.Fatal(err)
	}
	if s1.Debtors != 3000 || s1.Invoices != 18000 || progress != 3000 {
		t.Fatalf("stats %+v, progress %d; want 3000 debtors, 18000 invoices", s1, progress)
	}
	if s1.FirstNumber != "10000001" || s1.LastNumber != "10003000" {
		t.Errorf("numbers %s…%s", s1.FirstNumber, s1.LastNumber)
	}
	// Every invoice's ledger is either its total (open) or zero (paid by
	// one payment of the same amount, never before it was issued and
	// never after the as-of date).
	var bad int
	if err := db.Get(&bad, `SELECT count(*) FROM invoices i,
			LATERAL (SELECT sum(amount_minor) AS open, count(*) FILTER (WHERE kind = 'payment') AS pays,
				max(value_date) FILTER (WHERE kind = 'payment') AS paid_on
				FROM ledger_entries l WHERE l.invoice_id = i.id) AS x
		WHERE i.creditor_id = $1 AND NOT (
			(x.pays = 0 AND x.open = i.total_minor) OR
			(x.pays = 1 AND x.open = 0 AND x.paid_on > i.issue_date - 10 AND x.paid_on <= $2::date))`, cid, asOf); err != nil {
		t.Fatal(err)
	}
	if bad != 0 {
		t.Errorf("%d invoices with an inconsistent ledger", bad)
	}
	// Habits: about 55 % punctual, 3 % who never pay, and it shows in
	// the data: non-payers have nothing paid, punctual payers nothing
	// overdue by more than two days.
	counts := map[seed.Habit]int{}
	for g := int64(1); g <= 3000; g++ {
		counts[seed.HabitOf(g)]++
	}
	if p := counts[seed.Punctual]; p < 1500 || p > 1800 {
		t.Errorf("%d of 3000 punctual; want about 55 %%", p)
	}
	if n := counts[seed.NonPayer]; n < 40 || n > 140 {
		t.Errorf("%d of 3000 non-payers; want about 3 %%", n)
	}
	for g := int64(1); g <= 3000; g += 7 {
		var paid, overdue int
		if err := db.QueryRow(`SELECT
				count(*) FILTER (WHERE EXISTS (SELECT 1 FROM ledger_entries l WHERE l.invoice_id = i.id AND l.kind = 'payment')),
				count(*) FILTER (WHERE i.due_date + 2 < $3::date AND NOT EXISTS (SELECT 1 FROM ledger_entries l WHERE l.invoice_id = i.id AND l.kind = 'payment'))
			FROM invoices i JOIN debtors d ON d.id = i.debtor_id
			WHERE d.creditor_id = $1 AND d.customer_number = $2`, cid, seed.CustomerNumber(g), asOf).Scan(&paid, &overdue); err != nil {
			t.Fatal(err)
		}
		switch seed.HabitOf(g) {
		case seed.NonPayer:
			if paid != 0 {
				t.Errorf("non-payer %d paid %d invoices", g, paid)
			}
		case seed.Punctual:
			if overdue != 0 || paid < 4 {
				t.Errorf("punctual %d: %d paid, %d overdue", g, paid, overdue)
			}
		}
	}
	// The indexes are back, and the store reads the data: a debtor's
	// summary has what the ledger says.
	var indexes int
	if err := db.Get(&indexes, `SELECT count(*) FROM pg_indexes WHERE tablename = 'debtors' AND indexname = 'debtors_name_trgm_idx'`); err != nil || indexes != 1 {
		t.Errorf("debtors_name_trgm_idx: %d, %v", indexes, err)
	}
	d, err := st.DebtorByNumber(ctx, cid, seed.CustomerNumber(42))
	if err != nil {
		t.Fatal(err)
	}
	invs, err := st.Invoices(ctx, cid, d.ID)
	if err != nil || len(invs) != 6 {
		t.Fatalf("debtor 42: %d invoices, %v", len(invs), err)
	}
	hits, err := st.SearchDebtors(ctx, cid, d.Name, 5)
	if err != nil || len(hits) == 0 {
		t.Errorf("search %q: %d hits, %v", d.Name, len(hits), err)
	}

	// Seeding again adds debtors after the first ones.
	s2, err := seed.Generate(ctx, db, seed.Options{CreditorID: cid, Debtors: 10, InvoicesPerDebtor: 1, AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	if s2.FirstNumber != "10003001" || s2.Debtors != 10 || s2.Invoices != 10 {
		t.Errorf("second run %+v", s2)
	}
	if _, err := seed.Generate(ctx, db, seed.Options{CreditorID: cid + 100, Debtors: 1, AsOf: asOf}); err == nil {
		t.Error("an unknown creditor was seeded")
	}
}
