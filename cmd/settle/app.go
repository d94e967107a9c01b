package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/settle/settle/handlers"
	"github.com/settle/settle/internal/autopay"
	"github.com/settle/settle/internal/billing"
	"github.com/settle/settle/internal/checkout"
	"github.com/settle/settle/internal/demo"
	"github.com/settle/settle/internal/disputes"
	"github.com/settle/settle/internal/dunning"
	"github.com/settle/settle/internal/hooks"
	"github.com/settle/settle/internal/i18n"
	"github.com/settle/settle/internal/jobs"
	"github.com/settle/settle/internal/localpg"
	"github.com/settle/settle/internal/notify"
	"github.com/settle/settle/internal/payments"
	"github.com/settle/settle/internal/payments/molliesim"
	"github.com/settle/settle/internal/plans"
	"github.com/settle/settle/internal/portal"
	"github.com/settle/settle/internal/promises"
	"github.com/settle/settle/internal/staff"
	"github.com/settle/settle/internal/store"
)

// Main is the program: it opens the database, wires the services and
// serves HTTP. End-to-end tests boot it as it is.
type Main struct {
	Config Config
	Log    *slog.Logger
	Out    io.Writer // where the start-up banner goes (stdout)
	// Now is the clock of every service (tests move it; nil: time.Now).
	Now func() time.Time

	cluster  *localpg.Cluster
	DB       *sqlx.DB
	Store    *store.Store
	Catalog  *i18n.Catalog
	Portal   *portal.Service
	Billing  *billing.Service
	Hooks    *hooks.Service
	Staff    *staff.Service
	Plans    *plans.Service
	Promises *promises.Service
	Disputes *disputes.Service
	Dunning  *dunning.Engine
	Checkout *checkout.Service
	Autopay  *autopay.Service
	sim      *molliesim.Simulator // the Mollie simulator, when no MOLLIE_API_KEY is set
	// CheckoutOrigins are the provider's origins the CSP must allow.
	CheckoutOrigins []string
	server          *http.Server
	ln              net.Listener
	dsn             string
	demoStaff       []demo.StaffUser // printed in the banner
}

// OpenDatabase connects to DATABASE_URL or, without it, to the embedded
// cluster in the data dir (reusing one a running settle started), and
// migrates the schema.
func (m *Main) OpenDatabase(ctx context.Context) error {
	dsn := m.Config.DatabaseURL
	if dsn == "" {
		if _, err := localpg.FindBinDir(); err != nil {
			return err
		}
		start := time.Now()
		c, err := localpg.StartOrAttach(ctx, localpg.Options{Dir: filepath.Join(m.Config.DataDir, "pg"), Logger: m.Log})
		if err != nil {
			return fmt.Errorf("embedded PostgreSQL: %w", err)
		}
		m.cluster = c
		if err := c.CreateDatabase(ctx, "settle"); err != nil {
			return fmt.Errorf("embedded PostgreSQL: %w", err)
		}
		m.Log.Info("embedded PostgreSQL ready", "dir", c.Dir(), "reused", !c.Owned(),
			"duration", time.Since(start).Round(time.Millisecond))
		dsn = c.DSN("settle")
	}
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	m.DB, m.dsn = db, dsn
	n, err := store.Migrate(ctx, db.DB)
	if err != nil {
		return err
	}
	if n > 0 {
		m.Log.Info("database migrated", "migrations", n)
	}
	m.Store = store.New(db)
	m.Catalog, err = i18n.Load()
	if err != nil {
		return err
	}
	m.Portal = &portal.Service{Store: m.Store, Text: m.Catalog, Log: m.Log, Now: m.Now,
		BaseURL: m.Config.BaseURL, Demo: m.Config.Demo, HTML: notify.HTMLFor}
	m.Plans = &plans.Service{Store: m.Store, Portal: m.Portal, Now: m.Now}
	m.Promises = &promises.Service{Store: m.Store, Portal: m.Portal, Now: m.Now}
	m.Billing = &billing.Service{Store: m.Store, Plans: m.Plans, Now: m.Now}
	m.Hooks = &hooks.Service{DB: m.DB, Log: m.Log, Now: m.Now, AllowPrivate: envBool("SETTLE_WEBHOOK_ALLOW_PRIVATE", false)}
	m.Disputes = &disputes.Service{Store: m.Store, Portal: m.Portal, Now: m.Now, Plans: m.Plans}
	m.Dunning = &dunning.Engine{Store: m.Store, Portal: m.Portal, Text: m.Catalog, Log: m.Log, Now: m.Now}
	return m.openPayments()
}

// simulatorKey is the test key creditors without a Mollie key of their
// own use against the simulator.
const simulatorKey = "test_settle_simulator"

// openPayments sets up Mollie: the real API when MOLLIE_API_KEY is set
// (it is then the key of creditors without their own), else the built-in
// simulator mounted at /_mollie/. The client code is the same.
func (m *Main) openPayments() error {
	box, err := m.Config.secretBox()
	if err != nil {
		return err
	}
	m.Staff = &staff.Service{Store: m.Store, Box: box, Now: m.Now}
	base := payments.LiveBaseURL
	ck := &checkout.Service{Store: m.Store, Billing: m.Billing, Box: box, BaseURL: m.Config.BaseURL, Log: m.Log, Now: m.Now,
		CheckoutHosts: []string{"www.mollie.com"}}
	if key := os.Getenv("MOLLIE_API_KEY"); key != "" {
		ck.FallbackKey = key
		m.CheckoutOrigins = []string{"https://www.mollie.com"}
		if api := os.Getenv("MOLLIE_API_URL"); api != "" {
			// A Mollie-compatible API elsewhere (a staging proxy, an external
			// simulator): its host is where checkouts may send debtors.
			u, err := url.Parse(api)
			if err != nil || u.Host == "" {
				return fmt.Errorf("MOLLIE_API_URL %q is not a URL", api)
			}
			base = api
			ck.CheckoutHosts = []string{u.Host}
			m.CheckoutOrigins = []string{u.Scheme + "://" + u.Host}
		}
	} else {
		m.sim = molliesim.New(molliesim.Options{BaseURL: m.Config.BaseURL + "/_mollie/", Log: m.Log})
		base = m.sim.BaseURL()
		ck.FallbackKey = simulatorKey
		if u, err := url.Parse(m.Config.BaseURL); err == nil {
			ck.CheckoutHosts = []string{u.Host}
		}
		// The simulator keeps its payments in this process's memory: behind
		// a load balancer, another instance would not know them.
		m.Log.Info("no MOLLIE_API_KEY: payments go to the built-in Mollie simulator (one instance only: it keeps its payments in this process)",
			"url", m.Config.BaseURL+"/_mollie/")
	}
	if ck.Mollie, err = payments.NewClient(base, 15*time.Second); err != nil {
		return err
	}
	m.Checkout = ck
	m.Autopay = &autopay.Service{Store: m.Store, Checkout: ck, Log: m.Log, Now: m.Now}
	ck.Autopay = m.Autopay
	return nil
}

// Runner builds the job runner with every kind of background work:
// webhook dispatch and delivery, sending emails and SMS, applying
// Mollie's webhooks, and the payment plans' calendar (autopay charges,
// reminders, broken plans).
//
// Inside serve, the workers get a connection pool of their own, closed
// when the runner stops: web requests waiting for connections (a burst
// of payments queueing on the same debtors' row locks can hold all 32)
// must not hold up claims and deliveries. Its connections are opened
// ahead, so the first webhooks after a start do not wait for new server
// processes either. A worker-only process uses the main pool.
func (m *Main) Runner() (*jobs.Runner, error) {
	// The handlers hold one connection at a time, briefly, so fewer
	// connections than handlers only queue statements; more would only add
	// server processes competing for the CPU.
	const workerConns = 12
	ncfg, err := notify.ConfigFromEnv()
	if err != nil {
		return nil, err
	}
	db, svc := m.DB, m.Hooks
	if m.Config.Workers {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if db, err = store.Open(ctx, m.dsn); err != nil {
			return nil, err
		}
		db.SetMaxOpenConns(workerConns)
		db.SetMaxIdleConns(workerConns)
		opened := make(chan *sqlx.Conn, workerConns)
		for range workerConns {
			go func() {
				c, err := db.Connx(ctx)
				if err != nil {
					c = nil // the pool opens it when it is needed
				}
				opened <- c
			}()
		}
		for range workerConns {
			if c := <-opened; c != nil {
				defer c.Close() // back to the pool, idle, once all are open
			}
		}
		svc = m.Hooks.WithDB(db)
	}
	r := jobs.New(db, m.dsn, m.Log)
	if db != m.DB {
		r.OnStop(func() { _ = db.Close() })
	}
	for kind, h := range svc.Handlers() {
		opts := []jobs.KindOption{jobs.Concurrency(2)} // event.dispatch: backfills only
		if kind == hooks.KindDeliver {
			// A delivery may take its full 15 s timeout; sixteen at once
			// keep slow receivers from holding up the others. A delivery
			// holds a connection only for its two statements, not while it
			// waits for the receiver.
			opts = []jobs.KindOption{jobs.Concurrency(16), jobs.Lease(time.Minute)}
		}
		r.Handle(kind, h, opts...)
	}
	sender := &notify.Sender{DB: db, Config: ncfg, Log: m.Log}
	if m.Dunning != nil {
		sender.Check = m.Dunning.Check
	}
	r.Handle(notify.JobKind, sender.Send, jobs.Concurrency(4), jobs.Lease(2*time.Minute))
	m.handlePayments(r)
	if err := m.handlePlans(r, db); err != nil {
		return nil, err
	}
	if err := m.handlePromises(r, db); err != nil {
		return nil, err
	}
	if err := m.handleUploads(r, db); err != nil { // expired kept files of dispute forms
		return nil, err
	}
	if err := m.handleDunning(r, db); err != nil {
		return nil, err
	}
	return r, nil
}

// handlePayments registers the job that applies Mollie's webhooks: fetch
// the payment from Mollie and apply its state (unknown ids are dropped).
func (m *Main) handlePayments(r *jobs.Runner) {
	r.Handle("mollie.webhook", func(ctx context.Context, job *jobs.Job) error {
		var p struct {
			ProviderID string `json:"provider_id"`
		}
		if err := json.Unmarshal(job.Payload, &p); err != nil {
			return jobs.Permanent(err)
		}
		err := m.Checkout.SyncProviderID(ctx, p.ProviderID)
		if errors.Is(err, checkout.ErrUnknown) {
			m.Log.Info("mollie webhook for an unknown payment ignored", "provider_id", p.ProviderID)
			return nil
		}
		return err
	}, jobs.Concurrency(8), jobs.Lease(time.Minute))
}

// Listen opens the listening socket (separate from Serve so that tests can
// use port 0 and read the address).
func (m *Main) Listen() (net.Addr, error) {
	ln, err := net.Listen("tcp", m.Config.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w (set --addr or SETTLE_ADDR to another address)", m.Config.Addr, err)
	}
	m.ln = ln
	return ln.Addr(), nil
}

// Run opens everything, seeds the demo if asked, and serves until ctx is
// done; then it drains requests and stops.
func (m *Main) Run(ctx context.Context) error {
	if err := m.OpenDatabase(ctx); err != nil {
		return err
	}
	if m.Config.Demo {
		seeded, err := demo.Seed(ctx, m.Store, time.Now().In(berlin()))
		if err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
		if seeded {
			m.Log.Info("demo data seeded")
		}
		key, err := m.Config.secretKey()
		if err != nil {
			return err
		}
		m.demoStaff = demo.StaffUsers(key)
		if err := demo.SeedStaff(ctx, m.Store, m.demoStaff); err != nil {
			return fmt.Errorf("demo staff: %w", err)
		}
	}
	keys, generated, err := m.Config.sessionKeys()
	if err != nil {
		return err
	}
	if generated {
		m.Log.Warn("no SETTLE_SESSION_KEYS: made a session key in the data dir; set SETTLE_SESSION_KEYS when running more than one instance")
	}
	if m.ln == nil {
		if _, err := m.Listen(); err != nil {
			return err
		}
	}
	workersDone := make(chan error, 1)
	if m.Config.Workers {
		r, err := m.Runner()
		if err != nil {
			return err
		}
		go func() { workersDone <- r.Run(ctx) }()
		go m.reconciler(ctx)
	} else {
		close(workersDone)
	}
	var h http.Handler = handlers.New(handlers.Config{
		Store: m.Store, Portal: m.Portal, Billing: m.Billing, Checkout: m.Checkout, Staff: m.Staff, Plans: m.Plans, Hooks: m.Hooks,
		Autopay: m.Autopay, Promises: m.Promises, Disputes: m.Disputes, Catalog: m.Catalog, Log: m.Log,
		SessionKeys: keys, Secure: isHTTPS(m.Config.BaseURL), CheckoutOrigins: m.CheckoutOrigins, Now: m.Now,

		Dunning: m.Dunning, // dunning admin (issue 9)
	})
	if m.sim != nil {
		top := http.NewServeMux()
		top.Handle("/_mollie/", http.StripPrefix("/_mollie", m.sim.Handler()))
		top.Handle("/", h)
		h = top
	}
	m.server = &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(m.Log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- m.server.Serve(m.ln) }()
	go m.housekeeping(ctx)
	if addr := os.Getenv("SETTLE_DEBUG_ADDR"); addr != "" {
		go m.debugServer(ctx, addr)
	}
	m.Log.Info("listening", "addr", m.ln.Addr().String(), "base_url", m.Config.BaseURL)
	m.banner(ctx)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	case <-m.clusterDone():
		return errors.New("embedded PostgreSQL stopped unexpectedly: see " + filepath.Join(m.cluster.Dir(), "postgres.log"))
	}
	m.Log.Info("shutting down: draining requests")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err = m.server.Shutdown(sctx)
	<-workersDone // the runner stops when ctx is done; running jobs finish first
	return err
}

// reconciler re-fetches payments Mollie sends no webhook for (open,
// pending) or whose webhook was lost, every 30 seconds.
func (m *Main) reconciler(ctx context.Context) {
	t := time.NewTicker(30 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := m.Checkout.Reconcile(ctx, 100); err != nil {
				m.Log.Warn("reconcile payments", "err", err)
			} else if n > 0 {
				m.Log.Info("payments reconciled", "payments", n)
			}
		}
	}
}

// housekeeping prunes expired rate-limit windows and debtor sessions
// every ten minutes.
func (m *Main) housekeeping(ctx context.Context) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			if n, err := m.Store.PruneRateLimits(ctx, now.Add(-time.Hour)); err != nil {
				m.Log.Warn("prune rate limits", "err", err)
			} else if n > 0 {
				m.Log.Debug("pruned rate limits", "windows", n)
			}
			if n, err := m.Store.PruneDebtorSessions(ctx, now.Add(-13*time.Hour)); err != nil {
				m.Log.Warn("prune debtor sessions", "err", err)
			} else if n > 0 {
				m.Log.Debug("pruned debtor sessions", "sessions", n)
			}
			if n, err := m.Store.PruneStaffSessions(ctx, now.Add(-13*time.Hour)); err != nil {
				m.Log.Warn("prune staff sessions", "err", err)
			} else if n > 0 {
				m.Log.Debug("pruned staff sessions", "sessions", n)
			}
		}
	}
}

func (m *Main) clusterDone() <-chan struct{} {
	if m.cluster == nil || !m.cluster.Owned() {
		return nil
	}
	return m.cluster.Done()
}

// banner tells a person how to get in.
func (m *Main) banner(ctx context.Context) {
	if m.Out == nil {
		return
	}
	fmt.Fprintf(m.Out, "\nSettle is running at %s\n\n", m.Config.BaseURL)
	if m.Config.Demo {
		url, _, err := m.Portal.IssueLinkByNumber(ctx, "demo", "10001", "demo")
		if err == nil {
			fmt.Fprintf(m.Out, "  Demo debtor link (Nordwind Mobil, customer 10001; when asked, the postcode is 10115):\n    %s\n\n", url)
		} else {
			m.Log.Warn("no demo link", "err", err)
		}
	}
	fmt.Fprintf(m.Out, "  Back office (staff sign-in):\n    %s/staff/login\n", m.Config.BaseURL)
	for _, u := range m.demoStaff {
		fmt.Fprintf(m.Out, "    %-24s %-7s password %s", u.Email, u.Role, u.Password)
		if u.TOTP {
			fmt.Fprint(m.Out, "  (sets up an authenticator app at first sign-in)")
		}
		fmt.Fprintln(m.Out)
	}
	fmt.Fprintln(m.Out)
	fmt.Fprintf(m.Out, "  Press Ctrl-C to stop.\n\n")
}

// Close releases the database and stops an embedded cluster this process
// started.
func (m *Main) Close() error {
	var errs []error
	if m.ln != nil && m.server == nil {
		errs = append(errs, m.ln.Close())
	}
	m.ln = nil
	if m.DB != nil {
		errs = append(errs, m.DB.Close())
		m.DB = nil
	}
	if m.sim != nil {
		m.sim.Close()
		m.sim = nil
	}
	if m.cluster != nil {
		if m.cluster.Owned() {
			m.Log.Info("stopping embedded PostgreSQL")
		}
		errs = append(errs, m.cluster.Stop())
		m.cluster = nil
	}
	return errors.Join(errs...)
}

func isHTTPS(u string) bool { return len(u) > 8 && u[:8] == "https://" }

func berlin() *time.Location {
	if loc, err := time.LoadLocation("Europe/Berlin"); err == nil {
		return loc
	}
	return time.UTC
}

func newLogger(format string, w *os.File) *slog.Logger {
	if format == "auto" {
		format = "json"
		if fi, err := w.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			format = "text"
		}
	}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, nil))
	}
	return slog.New(slog.NewJSONHandler(w, nil))
}
