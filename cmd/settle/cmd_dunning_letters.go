package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"
)

// cmdDunningLetters is settle dunning letters: the print-and-mail export.
// It writes a creditor's letters waiting for print into one PDF (each
// letter on a new sheet for duplex printing unless --simplex) and, only
// with --mark-sent, records them as posted; without it nothing changes,
// so a failed print run can simply be repeated. Every run issues new
// document links for the letters' QR codes (see dunning.ExportLetters).
func cmdDunningLetters(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := newFlagSet("dunning letters", "dunning letters --creditor SLUG [--out FILE.pdf] [--mark-sent] [--simplex]", stderr)
	cfg.registerCommon(fs)
	slug := fs.String("creditor", "", "the creditor whose letters to print (required)")
	out := fs.String("out", "", "the PDF to write (default letters-SLUG-DATE.pdf)")
	mark := fs.Bool("mark-sent", false, "record the letters as posted (status sent) once the PDF is written")
	simplex := fs.Bool("simplex", false, "no blank back pages: letters follow each other page by page")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 || *slug == "" {
		fs.Usage()
		return fmt.Errorf("dunning letters needs --creditor SLUG and no arguments")
	}
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
	x, err := m.Dunning.ExportLetters(ctx, c, 0, !*simplex)
	if err != nil {
		return err
	}
	if len(x.Settled) > 0 {
		fmt.Fprintf(stdout, "%s: %d letters left out: nothing they ask for is open any more\n", c.Slug, len(x.Settled))
	}
	if len(x.IDs) == 0 {
		fmt.Fprintf(stdout, "%s: no letters to print\n", c.Slug)
	} else {
		file := *out
		if file == "" {
			file = fmt.Sprintf("letters-%s-%s.pdf", c.Slug, c.Today(time.Now()).Format(time.DateOnly))
		}
		if err := os.WriteFile(file, x.PDF, 0o600); err != nil {
			return err
		}
		pages := 0
		for _, p := range x.Pages {
			pages += p
		}
		fmt.Fprintf(stdout, "%s: %d letters (%d pages) written to %s\n", c.Slug, len(x.IDs), pages, file)
	}
	if !*mark {
		if len(x.IDs) > 0 {
			fmt.Fprintf(stdout, "nothing marked: after printing, run again with --mark-sent to record them as posted\n")
		}
		return nil
	}
	n, err := m.Dunning.MarkLettersPosted(ctx, c, x, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d letters marked as sent\n", c.Slug, n)
	return nil
}
