// Command settle is Settle: the self-service accounts-receivable portal.
//
//	settle [serve]    start the web server (the default)
//	settle migrate    bring the database schema up to date
//	settle worker     run only the background workers
//	settle link       print (or send) a fresh personal link for a debtor
//	settle apikey     create, list or revoke a creditor's API keys
//	settle webhook    manage a creditor's webhook endpoints
//	settle dunning    run the dunning engine, or show what it would do
//	settle import     load a creditor's debtors and invoices from a CSV file
//	settle seed       generate a large data set for load tests
//	settle loadtest   measure the debtor pages under load
//	settle keygen     print a new session key for SETTLE_SESSION_KEYS
//
// Every subcommand finds the database the same way: DATABASE_URL, else the
// embedded PostgreSQL cluster in --data-dir (SETTLE_DATA_DIR, ./.settle).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/settle/settle/internal/ar"
)

const usage = `Settle: the self-service accounts-receivable portal.

Usage:
  settle [serve] [flags]     start the web server (default)
  settle migrate [flags]     bring the database schema up to date
  settle worker [flags]      run only the background workers (webhooks, email, SMS)
  settle link --creditor SLUG --customer NUMBER [--send email|sms]
                             print a fresh personal link for a debtor (or queue it)
  settle apikey create|list|revoke --creditor SLUG
                             manage a creditor's API keys
  settle webhook add|list|rotate|remove|enable|deliveries|replay --creditor SLUG
                             manage a creditor's webhook endpoints
  settle user add --email E --role admin|ar|agent [--creditor SLUG] [--password-stdin]
                             make a staff account (admins manage the rest at /staff/users)
  settle molliekey --creditor SLUG < key
                             store a creditor's Mollie API key (sealed at rest)
  settle entrysecret --creditor SLUG
                             make the secret a creditor's site signs entry URLs with
  settle outbox [--creditor SLUG] [--show-body]
                             list recent emails and SMS and whether they went out
  settle dunning run [--creditor SLUG] [--dry-run] [--as-of YYYY-MM-DD]
                             carry out (or with --dry-run list) the dunning stages that are due
  settle dunning behaviour [--creditor SLUG]
                             compute each debtor's payment behaviour now
  settle dunning letters --creditor SLUG [--out FILE.pdf] [--mark-sent]
                             write the letters waiting for print into one PDF (--mark-sent: posted)
  settle import --creditor SLUG [--dry-run] [--lang en|de] FILE.csv
                             load debtors and invoices from a CSV file (all rows or none)
  settle seed [--creditor SLUG] --debtors N [--invoices-per-debtor M] [--rebuild-indexes]
                             generate a large data set for load tests
  settle loadtest [--creditor SLUG] [--url URL] [--clients N] [--duration D]
                             measure the debtor pages under load (and the database's limit with pgbench)
  settle keygen              print a new key for SETTLE_SESSION_KEYS

Run 'settle COMMAND --help' for a command's flags.

The database: DATABASE_URL if set, else an embedded PostgreSQL cluster in
--data-dir (SETTLE_DATA_DIR, default ./.settle), started from the system's
PostgreSQL binaries (apt install postgresql).
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(os.Stderr, "settle: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return cmdServe(ctx, args, stdout, stderr)
	case "migrate":
		return cmdMigrate(ctx, args, stdout, stderr)
	case "worker":
		return cmdWorker(ctx, args, stdout, stderr)
	case "link":
		return cmdLink(ctx, args, stdout, stderr)
	case "apikey":
		return cmdAPIKey(ctx, args, stdout, stderr)
	case "user":
		return cmdUser(ctx, args, os.Stdin, stdout, stderr)
	case "molliekey":
		return cmdMollieKey(ctx, args, os.Stdin, stdout, stderr)
	case "entrysecret":
		return cmdEntrySecret(ctx, args, stdout, stderr)
	case "outbox":
		return cmdOutbox(ctx, args, stdout, stderr)
	case "webhook":
		return cmdWebhook(ctx, args, stdout, stderr)
	case "seed":
		return cmdSeed(ctx, args, stdout, stderr)
	case "dunning":
		return cmdDunning(ctx, args, stdout, stderr)
	case "loadtest":
		return cmdLoadtest(ctx, args, stdout, stderr)
	case "import":
		return cmdImport(ctx, args, stdout, stderr)
	case "keygen":
		fmt.Fprintln(stdout, newSessionKey())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: settle %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := newFlagSet("serve", "serve [--addr ADDR] [--data-dir DIR] [--base-url URL] [--no-demo]", stderr)
	cfg.registerCommon(fs)
	cfg.registerServe(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := cfg.finish(); err != nil {
		return err
	}
	m := &Main{Config: cfg, Log: newLogger(cfg.LogFormat, os.Stderr), Out: stdout}
	defer m.Close()
	return m.Run(ctx)
}

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := newFlagSet("migrate", "migrate [--data-dir DIR]", stderr)
	cfg.registerCommon(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := cfg.finish(); err != nil {
		return err
	}
	m := &Main{Config: cfg, Log: newLogger(cfg.LogFormat, os.Stderr)}
	defer m.Close()
	if err := m.OpenDatabase(ctx); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "database schema is up to date")
	return nil
}

func cmdLink(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := newFlagSet("link", "link --creditor SLUG --customer NUMBER [--send email|sms] [--base-url URL]", stderr)
	cfg.registerCommon(fs)
	creditor := fs.String("creditor", "", "the creditor's slug (required)")
	customer := fs.String("customer", "", "the debtor's customer number (required)")
	send := fs.String("send", "", "also queue the link to the debtor by email or sms")
	fs.StringVar(&cfg.BaseURL, "base-url", env("SETTLE_BASE_URL", "http://localhost:8080"), "public URL of Settle (env SETTLE_BASE_URL)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *creditor == "" || *customer == "" {
		fs.Usage()
		return errors.New("link needs --creditor and --customer")
	}
	if *send != "" && *send != "email" && *send != "sms" {
		return fmt.Errorf("--send must be email or sms, got %q", *send)
	}
	if err := cfg.finish(); err != nil {
		return err
	}
	m := &Main{Config: cfg, Log: newLogger(cfg.LogFormat, os.Stderr)}
	defer m.Close()
	if err := m.OpenDatabase(ctx); err != nil {
		return err
	}
	channel := "cli"
	if *send != "" {
		channel = *send
	}
	url, link, err := m.Portal.IssueLinkByNumber(ctx, *creditor, *customer, channel)
	if err != nil {
		return err
	}
	if *send != "" {
		to, err := m.Portal.SendLink(ctx, link, url, *send)
		if err != nil {
			if e, ok := ar.AsError(err); ok {
				return fmt.Errorf("cannot send: %s", m.Catalog.Text("en", e.Key))
			}
			return err
		}
		fmt.Fprintf(stderr, "queued by %s to %s\n", *send, to)
	}
	fmt.Fprintln(stdout, url)
	fmt.Fprintf(stderr, "valid until %s\n", link.ExpiresAt.Format("2006-01-02 15:04 MST"))
	return nil
}

// cmdWorker runs the background workers alone, for deployments that keep
// them apart from the web processes (then run serve with --workers=false).
func cmdWorker(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := newFlagSet("worker", "worker [--data-dir DIR]", stderr)
	cfg.registerCommon(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := cfg.finish(); err != nil {
		return err
	}
	m := &Main{Config: cfg, Log: newLogger(cfg.LogFormat, os.Stderr)}
	defer m.Close()
	if err := m.OpenDatabase(ctx); err != nil {
		return err
	}
	r, err := m.Runner()
	if err != nil {
		return err
	}
	m.Log.Info("worker running", "id", r.ID())
	return r.Run(ctx)
}

// creditor finds a creditor by the slug a command was given, with an
// error that names it.
func (m *Main) creditor(ctx context.Context, slug string) (*ar.Creditor, error) {
	c, err := m.Store.CreditorBySlug(ctx, slug)
	if ar.IsNotFound(err) {
		return nil, fmt.Errorf("no creditor %q", slug)
	}
	return c, err
}
