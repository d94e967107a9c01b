package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/settle/settle/internal/localpg"
	"github.com/settle/settle/internal/staff"
	"github.com/settle/settle/internal/testdb"
)

// TestMain runs the tests against a throwaway PostgreSQL; with
// SETTLE_TEST_AS_PROGRAM set, the test binary is the settle program
// instead (for tests that kill it with SIGKILL).
func TestMain(m *testing.M) {
	if args := os.Getenv("SETTLE_TEST_AS_PROGRAM"); args != "" {
		main2(strings.Fields(args))
		return
	}
	testdb.Main(m)
}

// main2 is main with arguments, for the test binary acting as settle.
func main2(args []string) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, args, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "settle:", err)
		os.Exit(1)
	}
}

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var linkRE = regexp.MustCompile(`http://[^\s]+/l/[A-Za-z0-9_-]{43}`)

// app is a running settle serve.
type app struct {
	base   string
	link   string
	out    *syncBuffer
	logs   *syncBuffer
	cancel context.CancelFunc
	done   chan error
	main   *Main
}

// startApp boots the real program (Main.Run) with cfg on a free port and
// waits for its banner.
func startApp(t testing.TB, cfg Config) *app { return startAppWith(t, cfg, nil) }

// startAppWith is startApp with a chance to set up Main before it runs
// (a clock the test moves, for instance).
func startAppWith(t testing.TB, cfg Config, setup func(*Main)) *app {
	t.Helper()
	cfg.Addr = "127.0.0.1:0"
	a := &app{out: &syncBuffer{}, logs: &syncBuffer{}, done: make(chan error, 1)}
	m := &Main{Config: cfg, Log: slog.New(slog.NewJSONHandler(a.logs, nil)), Out: a.out}
	if setup != nil {
		setup(m)
	}
	addr, err := m.Listen()
	if err != nil {
		t.Fatal(err)
	}
	m.Config.BaseURL = "http://" + addr.String()
	a.base, a.main = m.Config.BaseURL, m
	ctx, cancel := context.WithCancel(context.Background())
	a.cancel = cancel
	go func() { a.done <- m.Run(ctx) }()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if l := linkRE.FindString(a.out.String()); l != "" {
			a.link = l
			break
		}
		select {
		case err := <-a.done:
			t.Fatalf("settle stopped: %v\nlogs:\n%s", err, a.logs.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	if a.link == "" {
		t.Fatalf("no link in the banner:\n%s\nlogs:\n%s", a.out.String(), a.logs.String())
	}
	t.Cleanup(func() { a.stop(t); m.Close() })
	return a
}

func (a *app) stop(t testing.TB) {
	if a.cancel == nil {
		return
	}
	a.cancel()
	a.cancel = nil
	select {
	case err := <-a.done:
		if err != nil {
			t.Errorf("settle did not shut down cleanly: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Error("settle did not shut down within 20 s")
	}
}

func client() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 10 * time.Second}
}

func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func post(t *testing.T, c *http.Client, u string, form url.Values) (int, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestDemoWalkThrough is the README's demo, end to end against the real
// program: the banner's link, Continue, postcode 10115, the dashboard and
// an invoice.
func TestDemoWalkThrough(t *testing.T) {
	a := startApp(t, Config{DatabaseURL: testdb.NewURL(t), DataDir: t.TempDir(), Demo: true, LogFormat: "json"})
	if !strings.Contains(a.out.String(), a.base+"/staff/login") {
		t.Errorf("banner does not name the staff login:\n%s", a.out.String())
	}
	c := client()
	status, body := get(t, c, a.link)
	if status != 200 || !strings.Contains(body, "Nordwind") {
		t.Fatalf("link page: %d", status)
	}
	status, body = post(t, c, a.link, nil)
	if status != 200 || !strings.Contains(body, `data-testid="total-due"`) || strings.Contains(body, `data-testid="invoices"`) {
		t.Fatalf("landing after continue: %d", status)
	}
	status, body = post(t, c, a.base+"/account/verify", url.Values{"answer": {"10115"}, "next": {"/account"}})
	if status != 200 || !strings.Contains(body, `data-testid="invoices"`) || !strings.Contains(body, "Jana Schulz") {
		t.Fatalf("dashboard after step-up: %d", status)
	}
	m := regexp.MustCompile(`href="(/account/invoices/[^"]+)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no invoice link on the dashboard")
	}
	status, body = get(t, c, a.base+m[1])
	if status != 200 || !strings.Contains(body, `data-testid="lines"`) {
		t.Fatalf("invoice page: %d", status)
	}
	if strings.Contains(a.logs.String(), strings.TrimPrefix(a.link, a.base+"/l/")) {
		t.Error("the link token reached the log")
	}
	a.stop(t) // Ctrl-C: drains and returns nil
}

// TestLinkCommand prints a working link for a debtor and refuses unknown
// ones with a clear message.
func TestLinkCommand(t *testing.T) {
	dbURL := testdb.NewURL(t)
	t.Setenv("DATABASE_URL", dbURL)
	t.Setenv("SETTLE_BASE_URL", "https://pay.example.com")
	// Seed through serve's path: start and stop the app once.
	a := startApp(t, Config{DatabaseURL: dbURL, DataDir: t.TempDir(), Demo: true, LogFormat: "json"})
	a.stop(t)

	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"link", "--creditor", "demo", "--customer", "10001"}, &out, &errOut); err != nil {
		t.Fatalf("link: %v\n%s", err, errOut.String())
	}
	if !regexp.MustCompile(`^https://pay\.example\.com/l/[A-Za-z0-9_-]{43}\n$`).MatchString(out.String()) {
		t.Errorf("link printed %q", out.String())
	}
	out.Reset()
	err := run(context.Background(), []string{"link", "--creditor", "demo", "--customer", "99999"}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), `no customer "99999"`) {
		t.Errorf("unknown customer: %v", err)
	}
	err = run(context.Background(), []string{"link", "--creditor", "demo"}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "--customer") {
		t.Errorf("missing flag: %v", err)
	}
	err = run(context.Background(), []string{"link", "--creditor", "demo", "--customer", "10001", "--send", "email"}, &out, &errOut)
	if err != nil || !strings.Contains(errOut.String(), "queued by email") {
		t.Errorf("send: %v %s", err, errOut.String())
	}
}

func TestNoPostgresMessage(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	t.Setenv("PG_BINDIR", "/nonexistent")
	if _, err := localpg.FindBinDir(); err == nil {
		t.Fatal("FindBinDir accepted PG_BINDIR=/nonexistent")
	}
	err := run(context.Background(), []string{"migrate", "--data-dir", t.TempDir()}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "apt install postgresql") || !strings.Contains(err.Error(), "DATABASE_URL") {
		t.Errorf("error = %v", err)
	}
}

func TestHelp(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"help"}, &out, io.Discard); err != nil || !strings.Contains(out.String(), "settle link") {
		t.Errorf("help: %v %q", err, out.String())
	}
	var errOut bytes.Buffer
	err := run(context.Background(), []string{"serve", "--help"}, io.Discard, &errOut)
	if err == nil || !strings.Contains(errOut.String(), "-data-dir") || !strings.Contains(errOut.String(), "SETTLE_ADDR") {
		t.Errorf("serve --help: %v %q", err, errOut.String())
	}
	if err := run(context.Background(), []string{"bogus"}, io.Discard, io.Discard); err == nil {
		t.Error("unknown command accepted")
	}
}

// TestEmbeddedClusterShared starts serve on the embedded PostgreSQL, runs
// `settle link` on the same data dir while it runs (it must reuse that
// cluster), then stops serve and checks PostgreSQL is gone.
func TestEmbeddedClusterShared(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	parent := t.TempDir()
	// As root, PostgreSQL runs as the postgres user, which must reach the
	// data dir: open up the test's temp dirs (t.TempDir makes them 0700).
	os.Chmod(parent, 0o755)
	os.Chmod(filepath.Dir(parent), 0o755)
	dataDir := filepath.Join(parent, "data")
	a := startApp(t, Config{DataDir: dataDir, Demo: true, LogFormat: "json"})
	pid := a.main.cluster.PID()
	if pid == 0 || !a.main.cluster.Owned() {
		t.Fatal("serve did not start its own cluster")
	}

	var out, errOut bytes.Buffer
	start := time.Now()
	if err := run(context.Background(), []string{"link", "--data-dir", dataDir, "--creditor", "demo", "--customer", "10002"}, &out, &errOut); err != nil {
		t.Fatalf("link while serving: %v\n%s", err, errOut.String())
	}
	if !linkRE.MatchString(out.String()) {
		t.Errorf("link printed %q", out.String())
	}
	if !processAlive(pid) {
		t.Fatal("settle link stopped the cluster that serve owns")
	}
	t.Logf("settle link against the running cluster took %v", time.Since(start))

	// The link works in the running server.
	c := client()
	if status, _ := get(t, c, strings.Replace(strings.TrimSpace(out.String()), "http://localhost:8080", a.base, 1)); status != 200 {
		t.Errorf("link from the CLI: status %d", status)
	}

	a.stop(t)
	a.main.Close()
	deadline := time.Now().Add(15 * time.Second)
	for processAlive(pid) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if processAlive(pid) {
		t.Error("PostgreSQL still runs after settle stopped")
	}
	if st, err := os.Stat(filepath.Join(dataDir, "session.key")); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("session key file: %v %v", st, err)
	}
}

func processAlive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	// A zombie is dead for our purposes.
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return true
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "State:") {
			return !strings.Contains(sc.Text(), "Z")
		}
	}
	return true
}

// TestMollieKeyCommand stores a creditor's key sealed: the database holds
// no plain key, and the checkout opens it for that creditor only.
func TestMollieKeyCommand(t *testing.T) {
	dbURL := testdb.NewURL(t)
	t.Setenv("DATABASE_URL", dbURL)
	dataDir := t.TempDir()
	a := startApp(t, Config{DatabaseURL: dbURL, DataDir: dataDir, Demo: true, LogFormat: "json"})
	a.stop(t)
	key := "test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM"
	var errOut bytes.Buffer
	if err := cmdMollieKey(context.Background(), []string{"--creditor", "demo", "--data-dir", dataDir}, strings.NewReader(key+"\n"), io.Discard, &errOut); err != nil {
		t.Fatalf("%v %s", err, errOut.String())
	}
	var n int
	m := &Main{Config: Config{DatabaseURL: dbURL, DataDir: dataDir, BaseURL: "http://localhost:8080"}, Log: a.main.Log}
	if err := m.OpenDatabase(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	m.DB.Get(&n, `SELECT count(*) FROM creditors WHERE position($1 in encode(mollie_key_sealed, 'escape')) > 0`, key)
	if n != 0 {
		t.Error("the Mollie key is stored in the clear")
	}
	demo, _ := m.Store.CreditorBySlug(context.Background(), "demo")
	lumen, _ := m.Store.CreditorBySlug(context.Background(), "lumen")
	if got, err := m.Checkout.KeyFor(context.Background(), demo); err != nil || got != key {
		t.Errorf("demo's key = %q, %v", got, err)
	}
	if got, _ := m.Checkout.KeyFor(context.Background(), lumen); got == key {
		t.Error("lumen got demo's key")
	}
	if err := cmdMollieKey(context.Background(), []string{"--creditor", "demo", "--data-dir", dataDir}, strings.NewReader("sk_live_nope"), io.Discard, io.Discard); err == nil {
		t.Error("a non-Mollie key was accepted")
	}
}

func TestUserAddCommand(t *testing.T) {
	dbURL := testdb.NewURL(t)
	t.Setenv("DATABASE_URL", dbURL)
	dataDir := t.TempDir()
	a := startApp(t, Config{DatabaseURL: dbURL, DataDir: dataDir, Demo: true, LogFormat: "json"})
	a.stop(t)
	var out, errOut bytes.Buffer
	if err := cmdUser(context.Background(), []string{"add", "--email", "admin@example.com", "--role", "admin", "--data-dir", dataDir},
		strings.NewReader(""), &out, &errOut); err != nil {
		t.Fatalf("%v %s", err, errOut.String())
	}
	password := strings.TrimSpace(out.String())
	if len(password) != 20 {
		t.Fatalf("generated password %q", password)
	}
	var row struct {
		Hash string `db:"password_hash"`
		TOTP bool   `db:"totp_required"`
	}
	if err := a.main.DB.Get(&row, `SELECT password_hash, totp_required FROM staff_users WHERE email = 'admin@example.com'`); err != nil {
		t.Fatal(err)
	}
	if ok, _ := staff.VerifyPassword(row.Hash, password); !ok || !row.TOTP || strings.Contains(row.Hash, password) {
		t.Errorf("stored account: verifies %v, totp %v", ok, row.TOTP)
	}
	if err := cmdUser(context.Background(), []string{"add", "--email", "agent@example.com", "--role", "agent", "--creditor", "demo",
		"--password-stdin", "--data-dir", dataDir}, strings.NewReader("a long enough secret\n"), io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	var audits int
	a.main.DB.Get(&audits, `SELECT count(*) FROM audit_log WHERE action = 'user.created'`)
	if audits != 2 {
		t.Errorf("%d audit entries", audits)
	}
	for name, args := range map[string][]string{
		"taken email":     {"add", "--email", "admin@example.com", "--role", "admin"},
		"bad role":        {"add", "--email", "x@example.com", "--role", "boss"},
		"agent, no scope": {"add", "--email", "y@example.com", "--role", "agent"},
		"short password":  {"add", "--email", "z@example.com", "--role", "admin", "--password-stdin"},
	} {
		if err := cmdUser(context.Background(), append(args, "--data-dir", dataDir), strings.NewReader("short\n"), io.Discard, io.Discard); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
