package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/seed"
	"github.com/settle/settle/internal/store"
)

// cmdSeed generates a large data set for load tests and benchmarks:
// settle seed [--creditor SLUG] --debtors N [--invoices-per-debtor M]
// [--as-of DATE] [--rebuild-indexes]. A creditor that does not exist is
// made (named after its slug, step-up by postcode).
func cmdSeed(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := newFlagSet("seed", "seed [--creditor SLUG] --debtors N [--invoices-per-debtor M] [--as-of YYYY-MM-DD] [--rebuild-indexes]", stderr)
	cfg.registerCommon(fs)
	slug := fs.String("creditor", "loadtest", "the creditor to add debtors to (made if it does not exist)")
	debtors := fs.Int("debtors", 0, "how many debtors to add (required)")
	perDebtor := fs.Int("invoices-per-debtor", 5, "monthly invoices per debtor (0–120)")
	asOfFlag := fs.String("as-of", "", "the date the data describes (default: today in the creditor's zone)")
	rebuild := fs.Bool("rebuild-indexes", false, "drop the loaded tables' indexes and build them afterwards: much faster for millions of rows, but only for a database nobody uses meanwhile")
	workers := fs.Int("workers", 2, "connections loading at once (about one per core)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("seed takes no arguments, got %q", fs.Args())
	}
	if *debtors < 1 || *debtors > seed.MaxDebtors {
		fs.Usage()
		return fmt.Errorf("--debtors must be from 1 to %d, got %d", seed.MaxDebtors, *debtors)
	}
	if *perDebtor < 0 || *perDebtor > 120 {
		return fmt.Errorf("--invoices-per-debtor must be from 0 to 120, got %d", *perDebtor)
	}
	if *workers < 1 || *workers > 64 {
		return fmt.Errorf("--workers must be from 1 to 64, got %d", *workers)
	}
	var asOf time.Time
	if *asOfFlag != "" {
		var err error
		if asOf, err = time.Parse(time.DateOnly, *asOfFlag); err != nil {
			return fmt.Errorf("--as-of must be a date like 2026-11-23, got %q", *asOfFlag)
		}
	}
	if err := cfg.finish(); err != nil {
		return err
	}
	m := &Main{Config: cfg, Log: newLogger(cfg.LogFormat, os.Stderr)}
	defer m.Close()
	if err := m.OpenDatabase(ctx); err != nil {
		return err
	}
	c, err := m.Store.CreditorBySlug(ctx, *slug)
	if ar.IsNotFound(err) {
		id, err := m.Store.CreateCreditor(ctx, store.NewCreditor{Creditor: ar.Creditor{Slug: *slug, Name: *slug,
			PrimaryColor: "#1f4f8f", AccentColor: "#0b7a4b", DefaultLanguage: "de", Timezone: "Europe/Berlin",
			Currency: "EUR", StepUp: ar.StepUpKnowledge, StepUpKnowledge: ar.KnowPostcode}})
		if err != nil {
			return fmt.Errorf("making creditor %q: %w", *slug, err)
		}
		fmt.Fprintf(stderr, "made creditor %q\n", *slug)
		if c, err = m.Store.Creditor(ctx, id); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	if asOf.IsZero() {
		asOf = c.Today(time.Now())
	}
	total := *debtors
	begin := time.Now()
	last := time.Time{}
	st, err := seed.Generate(ctx, m.DB, seed.Options{CreditorID: c.ID, Debtors: total, InvoicesPerDebtor: *perDebtor,
		AsOf: asOf, Workers: *workers, RebuildIndexes: *rebuild, Progress: func(done int) {
			// Two passes (debtors, then invoices): each reports up to total.
			if time.Since(last) < 2*time.Second && done < total {
				return
			}
			last = time.Now()
			fmt.Fprintf(stderr, "  %d of %d debtors (%d%%) after %v\n", done, total, done*100/total,
				time.Since(begin).Round(time.Second))
		}})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "seeded creditor %q as of %s: %d debtors (customer numbers %s–%s), %d invoices (%d open, %d paid)\n",
		c.Slug, asOf.Format(time.DateOnly), st.Debtors, st.FirstNumber, st.LastNumber, st.Invoices, st.OpenInvoices, st.Payments)
	fmt.Fprintf(stdout, "took %v: debtors %v, invoices with lines, ledger and payments %v, indexes %v, analyze %v\n",
		st.Total.Round(100*time.Millisecond), st.DebtorsTime.Round(100*time.Millisecond),
		st.InvoicesTime.Round(100*time.Millisecond), st.IndexesTime.Round(100*time.Millisecond),
		st.AnalyzeTime.Round(100*time.Millisecond))
	return nil
}
