package dunning_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/dunning"
	"github.com/settle/settle/internal/i18n"
	"github.com/settle/settle/internal/notify"
	"github.com/settle/settle/internal/portal"
	"github.com/settle/settle/internal/seed"
	"github.com/settle/settle/internal/store"
	"github.com/settle/settle/internal/testdb"
)

// BenchmarkDunningRun measures one engine run over a creditor with
// SETTLE_BENCH_DEBTORS debtors (default 20,000; the target is a million
// open invoices) and three monthly invoices each, as of the day after
// the seed's as-of date: the first run on fresh data, so every open
// invoice's due stage is carried out at once, the worst case. Each
// iteration seeds a fresh creditor (not timed).
//
//	SETTLE_BENCH_DEBTORS=700000 go test -run '^$' -bench DunningRun -benchtime 1x -timeout 60m ./internal/dunning
func BenchmarkDunningRun(b *testing.B) {
	n := 20_000
	if v, err := strconv.Atoi(os.Getenv("SETTLE_BENCH_DEBTORS")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	db := testdb.New(b)
	st := store.New(db)
	cat := i18n.MustLoad()
	asOf := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	b.StopTimer()
	for i := range b.N {
		id, err := st.CreateCreditor(ctx, store.NewCreditor{Creditor: ar.Creditor{Slug: fmt.Sprintf("bench-%d", i), Name: "Bench Energie",
			PrimaryColor: "#123456", AccentColor: "#654321", DefaultLanguage: "de", Timezone: "Europe/Berlin",
			Currency: "EUR", StepUp: ar.StepUpKnowledge, StepUpKnowledge: ar.KnowPostcode}})
		if err != nil {
			b.Fatal(err)
		}
		c, err := st.Creditor(ctx, id)
		if err != nil {
			b.Fatal(err)
		}
		seeded, err := seed.Generate(ctx, db, seed.Options{CreditorID: id, Debtors: n, InvoicesPerDebtor: 3, AsOf: asOf,
			RebuildIndexes: n >= 100_000})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := st.ComputeDebtorBehaviour(ctx, id, asOf, asOf); err != nil {
			b.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, `VACUUM ANALYZE`); err != nil {
			b.Fatal(err)
		}
		e := &dunning.Engine{Store: st, Text: cat, Portal: &portal.Service{Store: st, Text: cat, BaseURL: "https://settle.example",
			HTML: notify.HTMLFor}}
		at := time.Date(2026, 11, 24, 10, 0, 0, 0, c.Location())
		b.StartTimer()
		rep, err := e.RunCreditor(ctx, c, at, false)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		actions := 0
		for _, k := range rep.Actions {
			actions += k
		}
		b.ReportMetric(float64(rep.Invoices), "invoices_evaluated")
		b.ReportMetric(float64(actions), "actions")
		b.ReportMetric(float64(rep.Messages), "messages")
		fmt.Printf("%d debtors, %d invoices (%d open): evaluated %d open invoices, %d actions, %d messages in %v (%+v held)\n",
			seeded.Debtors, seeded.Invoices, seeded.OpenInvoices, rep.Invoices, actions, rep.Messages, rep.Took.Round(time.Millisecond), rep.Held)
	}
}
