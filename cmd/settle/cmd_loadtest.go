package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/settle/settle/internal/loadtest"
	"github.com/settle/settle/internal/store"
)

// cmdLoadtest measures the debtor pages under load (README, Performance):
// settle loadtest [--creditor SLUG] [--url URL --server-pid PID]
// [--clients N] [--sessions N] [--warmup D] [--duration D]
// [--scenarios LIST] [--pgbench=false]. Without --url it starts its own
// `settle serve` on the same database and reports that process's peak
// memory.
func cmdLoadtest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg Config
	fs := newFlagSet("loadtest", "loadtest [--creditor SLUG] [--url URL [--server-pid PID]] [--clients N] [--sessions N] [--duration D] [--scenarios dashboard,invoice,statement,pay]", stderr)
	cfg.registerCommon(fs)
	slug := fs.String("creditor", "loadtest", "the creditor whose debtors sign in (settle seed makes one)")
	target := fs.String("url", "", "a running Settle to measure (default: start one on a free loopback port)")
	serverPID := fs.Int("server-pid", 0, "with --url: the process whose peak memory to report")
	clients := fs.Int("clients", 64, "concurrent clients")
	sessions := fs.Int("sessions", 2000, "random debtors signed in, each request picks one")
	warmup := fs.Duration("warmup", 3*time.Second, "per scenario, before counting")
	duration := fs.Duration("duration", 15*time.Second, "per scenario, counted")
	scen := fs.String("scenarios", strings.Join(loadtest.Scenarios, ","), "what to measure, in order")
	pgb := fs.Bool("pgbench", true, "also measure the database's own limit for the dashboard with pgbench -M prepared")
	seedFlag := fs.Uint64("seed", 1, "random seed (which debtors, which order)")
	explain := fs.Bool("explain", true, "first check the hot queries' plans on this database (auto_explain: needs a superuser)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("loadtest takes no arguments, got %q", fs.Args())
	}
	if *clients < 1 || *clients > 1024 {
		return fmt.Errorf("--clients must be from 1 to 1024, got %d", *clients)
	}
	if *sessions < 1 || *sessions > 60000 {
		return fmt.Errorf("--sessions must be from 1 to 60000, got %d", *sessions)
	}
	if *duration < time.Second {
		return fmt.Errorf("--duration must be at least 1s, got %s", *duration)
	}
	var scenarios []string
	for _, s := range strings.Split(*scen, ",") {
		if s = strings.TrimSpace(s); s != "" {
			scenarios = append(scenarios, s)
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
	c, err := m.creditor(ctx, *slug)
	if err != nil {
		return err
	}

	base, pid := *target, *serverPID
	if base == "" {
		srv, err := startServer(ctx, cfg, stderr)
		if err != nil {
			return err
		}
		defer srv.stop()
		base, pid = srv.url, srv.cmd.Process.Pid
	}
	scale, err := m.Store.CreditorLoadScale(ctx, c.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "settle loadtest: %s, creditor %q (%d debtors, %d invoices), %d clients, %s warm-up + %s per scenario\n",
		base, c.Slug, scale.Debtors, scale.Invoices, *clients, *warmup, *duration)
	badPlans := 0
	if *explain {
		if scale.WithInvoice == 0 {
			return fmt.Errorf("creditor %q has no debtor with an invoice to check the plans with (settle seed makes them)", c.Slug)
		}
		plans, err := store.HotPlans(ctx, m.dsn, c.ID, scale.WithInvoice)
		if err != nil {
			return err
		}
		for _, p := range plans[1:] {
			if scan := p.Scan(); scan != "" {
				badPlans++
				fmt.Fprintf(stdout, "  %s reads a large table whole (%s):\n%s\n", p.Query, scan, strings.Join(p.Plans, "\n"))
			}
		}
		if plans[0].Scan() == "" {
			return errors.New("the plan check caught no scan in its control query: it does not work here")
		}
		fmt.Fprintf(stdout, "plans: %d hot queries (generic plans, sequential scans off), %d read a large table whole\n", len(plans)-1, badPlans)
	}
	r, err := loadtest.New(ctx, loadtest.Config{BaseURL: base, Store: m.Store, Portal: m.Portal, Creditor: c,
		Sessions: *sessions, Clients: *clients, Warmup: *warmup, Duration: *duration,
		Scenarios: scenarios, Seed: *seedFlag, Progress: stdout})
	if err != nil {
		return err
	}
	const row = "%-10s %9s %7s %9s %9s %9s %9s %7s %7s\n"
	fmt.Fprintf(stdout, row, "scenario", "requests", "req/s", "p50", "p90", "p99", "max", "KB/req", "errors")
	var dashboard *loadtest.Result
	failed := 0
	for _, s := range scenarios {
		res, err := r.Run(ctx, s)
		if err != nil {
			return err
		}
		if s == "dashboard" {
			dashboard = &res
		}
		kb := 0.0
		if res.Requests > 0 {
			kb = float64(res.BytesRead) / float64(res.Requests) / 1024
		}
		fmt.Fprintf(stdout, row, s, strconv.Itoa(res.Requests), fmt.Sprintf("%.0f", res.PerSecond()),
			ms(res.P50), ms(res.P90), ms(res.P99), ms(res.Max), fmt.Sprintf("%.1f", kb), strconv.Itoa(res.Errors))
		if res.Errors > 0 {
			failed += res.Errors
			fmt.Fprintf(stdout, "  first failure: %s\n", res.FirstErr)
		}
	}
	if pid != 0 {
		if hwm, rss, err := memoryOf(pid); err == nil {
			fmt.Fprintf(stdout, "settle serve (pid %d) memory: peak RSS %d MB, now %d MB\n", pid, hwm>>10, rss>>10)
		} else {
			fmt.Fprintf(stdout, "settle serve (pid %d) memory: %v\n", pid, err)
		}
	}
	if *pgb {
		pg, err := loadtest.Pgbench(ctx, m.dsn, c.ID, scale.MinDebtorID, scale.MaxDebtorID, *clients, *duration)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "database limit for the dashboard's reads: %.0f transactions/s (%s)\n", pg.TPS, pg.Command)
		if dashboard != nil && pg.TPS > 0 {
			fmt.Fprintf(stdout, "dashboard: %.0f requests/s = %.2f× the database's limit\n", dashboard.PerSecond(), dashboard.PerSecond()/pg.TPS)
		}
	}
	if failed > 0 {
		return fmt.Errorf("loadtest: %d requests failed", failed)
	}
	if badPlans > 0 {
		return fmt.Errorf("loadtest: %d hot queries read a large table whole", badPlans)
	}
	return nil
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64) + " ms"
}

// memoryOf reads a process's peak and current resident memory in KB.
func memoryOf(pid int) (hwm, rss int64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || (k != "VmHWM" && k != "VmRSS") {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			return 0, 0, err
		}
		if k == "VmHWM" {
			hwm = n
		} else {
			rss = n
		}
	}
	if hwm == 0 {
		return 0, 0, fmt.Errorf("no memory figures in /proc/%d/status", pid)
	}
	return hwm, rss, sc.Err()
}

// server is a `settle serve` started for the load test.
type server struct {
	cmd *exec.Cmd
	url string
	log *os.File
}

// startServer runs this binary's serve on a free loopback port against the
// same database, with its log in a temporary file, and waits until it is
// ready.
func startServer(ctx context.Context, cfg Config, stderr io.Writer) (*server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	logf, err := os.CreateTemp("", "settle-loadtest-*.log")
	if err != nil {
		return nil, err
	}
	// Without workers: the load is on the web tier, and a settle serve
	// with workers on a seeded database would start its first dunning run
	// over every debtor (and the nightly jobs) in the middle of it. In a
	// deployment that size, workers run apart (README, Deployment).
	cmd := exec.Command(exe, "serve", "--addr", addr, "--base-url", "http://"+addr, "--no-demo",
		"--data-dir", cfg.DataDir, "--log-format", "json", "--workers=false")
	cmd.Env = os.Environ()
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	s := &server{cmd: cmd, url: "http://" + addr, log: logf}
	fmt.Fprintf(stderr, "started settle serve --workers=false (pid %d) on %s, log in %s\n", cmd.Process.Pid, addr, logf.Name())
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(s.url + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			s.stop()
			return nil, fmt.Errorf("settle serve did not get ready in 60 s; see %s", logf.Name())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (s *server) stop() {
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
	s.log.Close()
}
