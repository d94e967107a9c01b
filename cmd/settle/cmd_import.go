package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/settle/settle/internal/billing"
	"github.com/settle/settle/internal/csvimport"
	"github.com/settle/settle/internal/i18n"
)

// cmdImport loads a creditor's debtors and invoices from a CSV file
// (internal/csvimport describes it): settle import --creditor SLUG
// [--dry-run] [--lang en|de] FILE. It prints what it did, or every
// problem by row and column and exits non-zero having imported nothing.
func cmdImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := newFlagSet("import", "import --creditor SLUG [--dry-run] [--lang en|de] FILE.csv", stderr)
	cfg.registerCommon(fs)
	slug := fs.String("creditor", "", "the creditor whose invoices the file holds (required)")
	dry := fs.Bool("dry-run", false, "check the file against the database and print what would happen; change nothing")
	lang := fs.String("lang", "en", "the language of the problems printed: "+fmt.Sprint(i18n.Languages))
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 || *slug == "" {
		fs.Usage()
		return errors.New("import needs --creditor and one file")
	}
	if !i18n.Supported(*lang) {
		return fmt.Errorf("--lang must be one of %v, got %q", i18n.Languages, *lang)
	}
	path := fs.Arg(0)
	file, err := os.Open(path)
	if err != nil {
		return err
	}
	defer file.Close()
	if err := cfg.finish(); err != nil {
		return err
	}
	m := &Main{Config: cfg, Log: newLogger(cfg.LogFormat, os.Stderr)}
	defer m.Close()
	if err := m.OpenDatabase(ctx); err != nil {
		return err
	}
	c, err := m.creditor(ctx, *slug)
	if err != nil {
		return err
	}
	now := time.Now
	if m.Now != nil {
		now = m.Now
	}
	loc := m.Catalog.Locale(*lang)
	problems := func(errs billing.RowErrors) error {
		for _, p := range csvimport.Problems(errs, loc) {
			fmt.Fprintln(stdout, p.Line(loc))
		}
		return fmt.Errorf("%s: %d problems; nothing was imported", path, len(errs))
	}
	f, err := csvimport.Parse(file, csvimport.Options{Currency: c.Currency, Today: c.Today(now())})
	var errs billing.RowErrors
	if errors.As(err, &errs) {
		return problems(errs)
	} else if err != nil {
		return err
	}
	res, err := m.Billing.Import(ctx, c, f.Rows, billing.ImportOptions{Given: f.Given, DryRun: *dry, Source: filepath.Base(path)})
	if errors.As(err, &errs) {
		return problems(f.Rename(errs))
	} else if err != nil {
		return err
	}
	verb := "imported:"
	if res.DryRun {
		verb = "dry run, nothing changed:"
	}
	fmt.Fprintf(stdout, "%s %s %d rows read; debtors %d created, %d updated, %d unchanged; invoices %d created, %d updated, %d unchanged\n",
		c.Slug, verb, res.Rows, res.DebtorsCreated, res.DebtorsUpdated, res.DebtorsUnchanged,
		res.InvoicesCreated, res.InvoicesUpdated, res.InvoicesSame)
	return nil
}
