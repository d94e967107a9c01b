package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/dunning"
)

const dunningUsage = `Usage:
  settle dunning run [--creditor SLUG] [--dry-run] [--as-of YYYY-MM-DD]
      carry out the dunning stages that are due (the server does this every 15 minutes);
      --dry-run prints what would happen, per stage and channel, and changes nothing;
      --as-of acts as at the end of that day in each creditor's time zone
  settle dunning behaviour [--creditor SLUG]
      compute each debtor's payment behaviour now (the server does it nightly)
  settle dunning letters --creditor SLUG [--out FILE.pdf] [--mark-sent] [--simplex]
      write the letters waiting for print into one PDF (each on a new sheet for duplex);
      --mark-sent records them as posted, without it nothing changes
  settle dunning propensity [--creditor SLUG]
      train the propensity-to-pay model and score every debtor now (the server does it nightly)
`

// cmdDunning runs the dunning engine from the shell.
func cmdDunning(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	// letters: the print-and-mail export (cmd_dunning_letters.go).
	if len(args) > 0 && args[0] == "letters" {
		return cmdDunningLetters(ctx, args[1:], stdout, stderr)
	}
	if len(args) == 0 || (args[0] != "run" && args[0] != "behaviour" && args[0] != "propensity") {
		fmt.Fprint(stderr, dunningUsage)
		return errors.New("dunning needs a subcommand: run, behaviour, propensity or letters")
	}
	sub := args[0]
	var cfg Config
	fs := newFlagSet("dunning "+sub, "dunning "+sub+" [--creditor SLUG] [--dry-run] [--as-of YYYY-MM-DD]", stderr)
	cfg.registerCommon(fs)
	slug := fs.String("creditor", "", "only this creditor (default: every creditor)")
	dry, asOfFlag := new(bool), new(string)
	if sub == "run" {
		dry = fs.Bool("dry-run", false, "print what would be sent and change nothing")
		asOfFlag = fs.String("as-of", "", "act as at the end of this day (default: now)")
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("dunning %s takes no arguments, got %q", sub, fs.Args())
	}
	var asOfDay time.Time
	if *asOfFlag != "" {
		var err error
		if asOfDay, err = time.Parse(time.DateOnly, *asOfFlag); err != nil {
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
	var creditors []*ar.Creditor
	if *slug != "" {
		c, err := m.creditor(ctx, *slug)
		if err != nil {
			return err
		}
		creditors = append(creditors, c)
	} else {
		var err error
		if creditors, err = m.Store.Creditors(ctx); err != nil {
			return err
		}
	}
	if sub == "behaviour" {
		for _, c := range creditors {
			begin := time.Now()
			n, err := m.Dunning.Behaviour(ctx, c.ID)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%s: payment behaviour of %d debtors computed in %v\n", c.Slug, n, time.Since(begin).Round(time.Millisecond))
		}
		return nil
	}
	// experiments (issue 9): the propensity model.
	if sub == "propensity" {
		for _, c := range creditors {
			rep, err := m.Dunning.Propensity(ctx, c)
			if err != nil {
				return err
			}
			if rep.Skipped {
				fmt.Fprintf(stdout, "%s: no model trained: %d labelled invoices, %d needed; %d debtors scored\n", c.Slug,
					rep.Rows, dunning.MinTrainingRows, rep.Scored)
				continue
			}
			fmt.Fprintf(stdout, "%s: model trained on %d invoices (holdout %d, AUC %.3f); %d debtors scored\n", c.Slug,
				rep.TrainRows, rep.HoldoutRows, rep.AUC, rep.Scored)
		}
		return nil
	}
	var failed []error
	for _, c := range creditors {
		asOf := time.Now()
		if !asOfDay.IsZero() {
			loc, err := time.LoadLocation(c.Timezone)
			if err != nil {
				return fmt.Errorf("creditor %s: time zone %q: %w", c.Slug, c.Timezone, err)
			}
			asOf = time.Date(asOfDay.Year(), asOfDay.Month(), asOfDay.Day(), 23, 59, 59, 0, loc)
		}
		rep, err := m.Dunning.RunCreditor(ctx, c, asOf, *dry)
		if err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", c.Slug, err)
			failed = append(failed, err)
			continue
		}
		printDunningReport(stdout, rep, c.Currency)
	}
	return errors.Join(failed...)
}

// printDunningReport prints a run's report: what was (or would be) sent
// per stage and channel, and what was held back and why.
func printDunningReport(w io.Writer, r *dunning.Report, currency string) {
	verb := "sent"
	if r.DryRun {
		verb = "would send"
	}
	switch {
	case r.Busy:
		fmt.Fprintf(w, "%s: another run is working on this creditor; nothing done\n", r.Creditor)
		return
	case r.DryRun:
		fmt.Fprintf(w, "%s (dry run, as of %s): %d open invoices evaluated\n", r.Creditor, r.AsOf.Format("2006-01-02 15:04 MST"), r.Invoices)
	default:
		fmt.Fprintf(w, "%s (run %d, as of %s): %d open invoices evaluated\n", r.Creditor, r.RunID, r.AsOf.Format("2006-01-02 15:04 MST"), r.Invoices)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if len(r.Actions) == 0 {
		fmt.Fprintf(tw, "  nothing due\n")
	} else {
		fmt.Fprintf(tw, "  STAGE\tCHANNEL\tINVOICES\n")
		for _, k := range sortedKeys(r.Actions) {
			stage, channel, _ := strings.Cut(k, "/")
			fmt.Fprintf(tw, "  %s\t%s\t%d\n", stage, channel, r.Actions[k])
		}
	}
	tw.Flush()
	fmt.Fprintf(w, "  %s %d messages; fees %s, default interest %s\n", verb, r.Messages,
		ar.Money{Minor: r.FeesMinor, Currency: currency}, ar.Money{Minor: r.InterestMinor, Currency: currency})
	if len(r.Held) > 0 {
		var parts []string
		for _, k := range sortedKeys(r.Held) {
			parts = append(parts, fmt.Sprintf("%s %d", k, r.Held[k]))
		}
		fmt.Fprintf(w, "  held back (invoices): %s\n", strings.Join(parts, ", "))
	}
	if r.Changed > 0 || r.Lost > 0 {
		fmt.Fprintf(w, "  dropped at the last check: %d changed since read, %d claimed by another run\n", r.Changed, r.Lost)
	}
	fmt.Fprintf(w, "  took %v\n", r.Took.Round(time.Millisecond))
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
