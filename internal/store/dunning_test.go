package store

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/seed"
	"github.com/settle/settle/internal/testdb"
)

// dunningWorld is a creditor with 300 seeded debtors (4 invoices each,
// by their payment habits) as of 2026-11-23.
func dunningWorld(t *testing.T) (context.Context, *Store, int64, time.Time) {
	t.Helper()
	ctx := context.Background()
	db := testdb.New(t)
	st := New(db)
	cid, err := st.CreateCreditor(ctx, NewCreditor{Creditor: ar.Creditor{Slug: "dun", Name: "Dun",
		PrimaryColor: "#123456", AccentColor: "#654321", DefaultLanguage: "de", Timezone: "Europe/Berlin",
		Currency: "EUR", StepUp: ar.StepUpKnowledge, StepUpKnowledge: ar.KnowPostcode}})
	if err != nil {
		t.Fatal(err)
	}
	asOf := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	if _, err := seed.Generate(ctx, db, seed.Options{CreditorID: cid, Debtors: 300, InvoicesPerDebtor: 4, AsOf: asOf}); err != nil {
		t.Fatal(err)
	}
	return ctx, st, cid, asOf
}

func TestDunningCandidates(t *testing.T) {
	ctx, st, cid, asOf := dunningWorld(t)
	// What should come back: every invoice with something open.
	var want int
	if err := st.q.GetContext(ctx, &want, `SELECT count(*) FROM invoices i WHERE i.creditor_id = $1
		AND (SELECT sum(amount_minor) FROM ledger_entries l WHERE l.invoice_id = i.id) > 0`, cid); err != nil {
		t.Fatal(err)
	}
	if want < 50 {
		t.Fatalf("only %d open invoices in the world", want)
	}
	// Holds: a dispute on one open invoice (part of it), a plan on
	// another, a promise by a third debtor.
	var open []struct {
		ID, DebtorID, Open int64
	}
	if err := st.q.SelectContext(ctx, &open, `SELECT i.id, i.debtor_id AS debtorid, sum(l.amount_minor) AS open FROM invoices i
		JOIN ledger_entries l ON l.invoice_id = i.id WHERE i.creditor_id = $1 AND i.due_date <= $2
		GROUP BY i.id HAVING sum(l.amount_minor) > 0 ORDER BY i.id LIMIT 3`, cid, asOf); err != nil {
		t.Fatal(err)
	}
	mustExec(t, st, `INSERT INTO disputes (public_id, creditor_id, debtor_id, invoice_id, reason, disputed_minor, currency)
		VALUES ('dsp_t1', $1, $2, $3, 'wrong_amount', 500, 'EUR')`, cid, open[0].DebtorID, open[0].ID)
	var plan int64
	if err := st.q.GetContext(ctx, &plan, `INSERT INTO payment_plans (public_id, creditor_id, debtor_id, kind, status,
			principal_minor, total_minor, currency) VALUES ('pln_t1', $1, $2, 'deferral', 'active', $3, $3, 'EUR') RETURNING id`,
		cid, open[1].DebtorID, open[1].Open); err != nil {
		t.Fatal(err)
	}
	mustExec(t, st, `INSERT INTO plan_invoices (plan_id, creditor_id, invoice_id, open_minor) VALUES ($1, $2, $3, $4)`,
		plan, cid, open[1].ID, open[1].Open)
	mustExec(t, st, `INSERT INTO promises (creditor_id, debtor_id, amount_minor, currency, due_date) VALUES ($1, $2, 100, 'EUR', $3)`,
		cid, open[2].DebtorID, asOf.AddDate(0, 0, 10))

	got := map[int64]DunningCandidate{}
	var order []int64
	if err := st.DunningCandidates(ctx, cid, func(c *DunningCandidate) error {
		got[c.InvoiceID] = *c
		order = append(order, c.DebtorID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != want {
		t.Errorf("%d candidates, want %d", len(got), want)
	}
	for i := 1; i < len(order); i++ {
		if order[i] < order[i-1] {
			t.Fatal("candidates not grouped by debtor")
		}
	}
	if c := got[open[0].ID]; c.HeldMinor != 500 || c.OpenMinor != open[0].Open || c.Number == "" || c.CustomerNumber == "" {
		t.Errorf("disputed invoice: %+v", c)
	}
	if c := got[open[1].ID]; !c.InPlan || c.HeldMinor != 0 {
		t.Errorf("planned invoice: %+v", c)
	}
	if c := got[open[2].ID]; c.PromiseUntil == nil || !c.PromiseUntil.Equal(asOf.AddDate(0, 0, 10)) {
		t.Errorf("promised: %+v", c.PromiseUntil)
	}

	// Claiming: two runs at once with the same actions; each action is
	// claimed exactly once, and a stage done shows on the candidate.
	var actions []DunningAction
	for id, c := range got {
		actions = append(actions, DunningAction{CreditorID: cid, DebtorID: c.DebtorID, InvoiceID: id, PolicyKey: "standard",
			PolicyVersion: 1, Stage: "reminder-1", Kind: "reminder", Channel: "email", Tone: "neutral",
			OpenMinor: c.OpenMinor, Currency: c.Currency, Status: "sent"})
	}
	var wg sync.WaitGroup
	claimed := make([]int, 4)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := st.InTx(ctx, func(tx *Store) error {
				list, err := tx.ClaimDunningActions(ctx, actions)
				claimed[w] = len(list)
				return err
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if total := claimed[0] + claimed[1] + claimed[2] + claimed[3]; total != len(actions) {
		t.Errorf("claimed %v = %d, want %d once each", claimed, total, len(actions))
	}
	if err := st.DunningCandidates(ctx, cid, func(c *DunningCandidate) error {
		if len(c.Done) != 1 || c.Done[0] != "reminder-1" || c.LastSentAt == nil {
			t.Fatalf("after claiming: done %v, last sent %v", c.Done, c.LastSentAt)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func TestComputeDebtorBehaviour(t *testing.T) {
	ctx, st, cid, asOf := dunningWorld(t)
	n, err := st.ComputeDebtorBehaviour(ctx, cid, asOf, asOf)
	if err != nil {
		t.Fatal(err)
	}
	if n != 300 {
		t.Errorf("%d debtors computed, want 300", n)
	}
	check := func(habit seed.Habit, ok func(paid, late, late12 int, lag *int) bool) {
		t.Helper()
		seen := 0
		for g := int64(1); g <= 300 && seen < 5; g++ {
			if seed.HabitOf(g) != habit {
				continue
			}
			seen++
			var b struct {
				Paid   int  `db:"invoices_paid"`
				Late   int  `db:"paid_late"`
				Late12 int  `db:"late_12m"`
				Lag    *int `db:"usual_lag_days"`
			}
			if err := st.q.GetContext(ctx, &b, `SELECT invoices_paid, paid_late, late_12m, usual_lag_days FROM debtor_behaviour b
				JOIN debtors d ON d.id = b.debtor_id WHERE d.creditor_id = $1 AND d.customer_number = $2`, cid, seed.CustomerNumber(g)); err != nil {
				t.Fatal(err)
			}
			if !ok(b.Paid, b.Late, b.Late12, b.Lag) {
				t.Errorf("%s debtor %d: %+v", habit, g, b)
			}
		}
		if seen == 0 {
			t.Errorf("no %s debtor", habit)
		}
	}
	check(seed.Punctual, func(paid, late, _ int, lag *int) bool { return paid >= 3 && late == 0 && lag != nil && *lag <= 2 })
	check(seed.VeryLate, func(paid, late, late12 int, lag *int) bool {
		return late >= 1 && late12 >= late && lag != nil && *lag >= 10
	})
	check(seed.NonPayer, func(paid, late, late12 int, lag *int) bool { return paid == 0 && late12 >= 2 && lag == nil })
	// Running it again updates in place.
	if n, err := st.ComputeDebtorBehaviour(ctx, cid, asOf.Add(time.Hour), asOf); err != nil || n != 300 {
		t.Errorf("again: %d, %v", n, err)
	}
}

func mustExec(t *testing.T, st *Store, q string, args ...any) {
	t.Helper()
	if _, err := st.q.ExecContext(context.Background(), q, args...); err != nil {
		t.Fatal(err)
	}
}
