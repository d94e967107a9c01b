package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/settle/settle/internal/notify"
)

// cmdOutbox prints the newest messages of the outbox: settle outbox
// [--creditor SLUG] [--limit N] [--show-body]. Recipients are masked;
// bodies (which can hold one-time codes) only show with --show-body, for
// demo mode and local trials.
func cmdOutbox(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := newFlagSet("outbox", "outbox [--creditor SLUG] [--limit N] [--show-body]", stderr)
	cfg.registerCommon(fs)
	creditor := fs.String("creditor", "", "only this creditor's messages (default: every creditor's)")
	limit := fs.Int("limit", 20, "how many of the newest messages to show (1–1000)")
	showBody := fs.Bool("show-body", false, "also print each message's text (it may hold one-time codes: for demo mode)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("outbox takes no arguments, got %q", fs.Args())
	}
	if *limit < 1 || *limit > 1000 {
		return fmt.Errorf("--limit must be from 1 to 1000, got %d", *limit)
	}
	if err := cfg.finish(); err != nil {
		return err
	}
	m := &Main{Config: cfg, Log: newLogger(cfg.LogFormat, os.Stderr)}
	defer m.Close()
	if err := m.OpenDatabase(ctx); err != nil {
		return err
	}
	var creditorID int64
	if *creditor != "" {
		c, err := m.creditor(ctx, *creditor)
		if err != nil {
			return err
		}
		creditorID = c.ID
	}
	rows, err := notify.Outbox(ctx, m.DB, creditorID, *limit)
	if err != nil {
		return err
	}
	if len(rows) == 0 {
		fmt.Fprintln(stderr, "the outbox is empty")
		return nil
	}
	return printOutbox(stdout, rows, *showBody)
}

// printOutbox writes a table of messages, newest first, and with
// showBody each message's text below it.
func printOutbox(w io.Writer, rows []notify.OutboxRow, showBody bool) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCREATED (UTC)\tCREDITOR\tCHANNEL\tTO\tSTATUS\tSUBJECT")
	for _, r := range rows {
		status := r.Status
		if r.Attempts > 1 || (r.Attempts == 1 && r.Status != notify.StatusSent) {
			status = fmt.Sprintf("%s (%d×)", status, r.Attempts)
		}
		subject := r.Subject
		if subject == "" {
			subject = "–"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.CreatedAt.UTC().Format("2006-01-02 15:04:05"),
			r.CreditorSlug, r.Channel, r.MaskedRecipient(), status, outboxCell(subject, 60))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	// Below the table: why a message is stuck, and with --show-body what
	// each says.
	for _, r := range rows {
		stuck := r.LastError != "" && (r.Status == notify.StatusQueued || r.Status == notify.StatusFailed)
		if !stuck && !showBody {
			continue
		}
		fmt.Fprintf(w, "\n#%d %s %s", r.ID, r.Channel, r.Status)
		if r.ProviderID != "" {
			fmt.Fprintf(w, " (provider id %s)", r.ProviderID)
		}
		fmt.Fprintln(w)
		if stuck {
			fmt.Fprintf(w, "  last error: %s\n", r.LastError)
		}
		if showBody {
			for _, line := range strings.Split(strings.TrimRight(r.Body, "\n"), "\n") {
				fmt.Fprintf(w, "  | %s\n", line)
			}
		}
	}
	return nil
}

// outboxCell keeps a table cell on one line and at most n characters.
func outboxCell(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
