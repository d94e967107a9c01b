package localpg

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lib/pq"
)

// skipWithoutBinaries skips the test when no PostgreSQL binaries exist,
// unless CI is set (then missing binaries are a failure).
func skipWithoutBinaries(t *testing.T) {
	t.Helper()
	if _, err := FindBinDir(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
}

// clusterDir returns a fresh directory the postgres user can reach even when
// we are root (t.TempDir's parent is 0700 and owned by root).
func clusterDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "localpg-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	// MkdirTemp makes it 0700: let the postgres user through to subdirs.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func start(t *testing.T, opts Options) *Cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if opts.Logger == nil {
		opts.Logger = testLogger(t)
	}
	c, err := Start(ctx, opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return c
}

func open(t *testing.T, c *Cluster, dbname string) *sql.DB {
	t.Helper()
	db, err := sql.Open("postgres", c.DSN(dbname))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func queryInt(t *testing.T, db *sql.DB, query string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func TestFindBinDir(t *testing.T) {
	skipWithoutBinaries(t)
	dir, err := FindBinDir()
	if err != nil {
		t.Fatal(err)
	}
	if !hasServerBinaries(dir) {
		t.Fatalf("FindBinDir() = %s, which lacks initdb or postgres", dir)
	}

	t.Setenv("PG_BINDIR", t.TempDir())
	if _, err := FindBinDir(); !errors.Is(err, ErrNoBinaries) {
		t.Fatalf("FindBinDir with an empty PG_BINDIR: got %v, want ErrNoBinaries", err)
	}
}

func TestNewestDebianBinDir(t *testing.T) {
	root := t.TempDir()
	for _, v := range []string{"9.6", "15", "16", "notaversion"} {
		bin := filepath.Join(root, v, "bin")
		if err := os.MkdirAll(bin, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"initdb", "postgres"} {
			if err := os.WriteFile(filepath.Join(bin, name), nil, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	// 17 lacks postgres: not a candidate.
	if err := os.MkdirAll(filepath.Join(root, "17", "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if got, want := newestDebianBinDir(root), filepath.Join(root, "16", "bin"); got != want {
		t.Fatalf("newestDebianBinDir = %s, want %s", got, want)
	}
}

func TestDSNQuoting(t *testing.T) {
	c := &Cluster{host: "/tmp/a dir/it's", port: 5432}
	want := `host='/tmp/a dir/it\'s' port=5432 user=postgres dbname=app sslmode=disable`
	if got := c.DSN("app"); got != want {
		t.Fatalf("DSN = %s, want %s", got, want)
	}
	if _, err := pq.NewConnector(c.DSN("my db")); err != nil {
		t.Fatalf("lib/pq rejects DSN: %v", err)
	}
}

// TestLifecycle covers the `settle serve` cluster: first start, databases,
// attach, restart with data kept, and a restart after the postmaster was
// SIGKILLed.
func TestLifecycle(t *testing.T) {
	skipWithoutBinaries(t)
	t.Parallel()
	ctx := context.Background()
	dir := clusterDir(t)

	c := start(t, Options{Dir: dir})
	if !c.Owned() || c.Host() != filepath.Join(dir, "run") || c.Port() != defaultPort {
		t.Fatalf("cluster: owned=%v host=%s port=%d", c.Owned(), c.Host(), c.Port())
	}
	if n := queryInt(t, open(t, c, "postgres"), "SELECT 1"); n != 1 {
		t.Fatalf("SELECT 1 = %d", n)
	}
	for _, name := range []string{"settle", "settle", `we"ird db`} {
		if err := c.CreateDatabase(ctx, name); err != nil {
			t.Fatalf("CreateDatabase(%q): %v", name, err)
		}
	}
	if n := queryInt(t, open(t, c, `we"ird db`), "SELECT 2"); n != 2 {
		t.Fatalf("SELECT 2 = %d", n)
	}
	db := open(t, c, "settle")
	if _, err := db.Exec(`CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	// Attach finds the running server, does not own it.
	a, err := Attach(ctx, dir)
	if err != nil || a == nil {
		t.Fatalf("Attach to running cluster = %v, %v", a, err)
	}
	if a.Owned() || a.DSN("settle") != c.DSN("settle") {
		t.Fatalf("attached: owned=%v dsn=%q, want not owned and %q", a.Owned(), a.DSN("settle"), c.DSN("settle"))
	}
	if n := queryInt(t, open(t, a, "settle"), "SELECT n FROM kept"); n != 42 {
		t.Fatalf("through Attach: n = %d", n)
	}
	if err := a.Stop(); err != nil {
		t.Fatalf("Stop of attached cluster: %v", err)
	}
	if n := queryInt(t, open(t, c, "postgres"), "SELECT 3"); n != 3 {
		t.Fatal("server gone after Stop of the attached cluster")
	}
	if a2, err := StartOrAttach(ctx, Options{Dir: dir}); err != nil || a2 == nil || a2.Owned() {
		t.Fatalf("StartOrAttach on a running cluster = %v, %v; want attached", a2, err)
	}

	// Stop, twice; then nothing to attach to.
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := c.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	if a, err := Attach(ctx, dir); err != nil || a != nil {
		t.Fatalf("Attach after Stop = %v, %v; want nil, nil", a, err)
	}

	// Restart keeps the data.
	c = start(t, Options{Dir: dir})
	if n := queryInt(t, open(t, c, "settle"), "SELECT n FROM kept"); n != 42 {
		t.Fatalf("after restart: n = %d", n)
	}

	// Crash: SIGKILL the postmaster, then start again on the same dir.
	if err := syscall.Kill(c.PID(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("postmaster still running 5s after SIGKILL")
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "postmaster.pid")); err != nil {
		t.Fatalf("expected a stale postmaster.pid after SIGKILL: %v", err)
	}
	if a, err := Attach(ctx, dir); err != nil || a != nil {
		t.Fatalf("Attach after crash = %v, %v; want nil, nil", a, err)
	}
	c2, err := StartOrAttach(ctx, Options{Dir: dir, Logger: testLogger(t)})
	if err != nil {
		t.Fatalf("start after SIGKILL: %v", err)
	}
	t.Cleanup(func() { c2.Stop() })
	if !c2.Owned() {
		t.Fatal("StartOrAttach after crash did not start a server")
	}
	if n := queryInt(t, open(t, c2, "settle"), "SELECT n FROM kept"); n != 42 {
		t.Fatalf("after crash restart: n = %d", n)
	}
	if err := c.Stop(); err != nil {
		t.Fatalf("Stop of the crashed cluster: %v", err)
	}
}

// TestThrowawayLongDir covers the test-mode cluster (TCP, durability off) in
// a directory too deep for a unix socket path.
func TestThrowawayLongDir(t *testing.T) {
	skipWithoutBinaries(t)
	t.Parallel()
	ctx := context.Background()
	dir := filepath.Join(clusterDir(t), strings.Repeat("x", 50), strings.Repeat("y", 50))

	c := start(t, Options{Dir: dir, Throwaway: true})
	if c.Host() != "127.0.0.1" || c.Port() == 0 || c.Port() == defaultPort {
		t.Fatalf("throwaway cluster: host=%s port=%d", c.Host(), c.Port())
	}
	if strings.HasPrefix(c.SocketDir(), dir) {
		t.Fatalf("socket dir %s not moved out of the long dir", c.SocketDir())
	}
	rec, err := os.ReadFile(filepath.Join(dir, "socketdir"))
	if err != nil || strings.TrimSpace(string(rec)) != c.SocketDir() {
		t.Fatalf("socketdir record = %q, %v; want %s", rec, err, c.SocketDir())
	}
	db := open(t, c, "postgres")
	var fsync string
	if err := db.QueryRow("SHOW fsync").Scan(&fsync); err != nil || fsync != "off" {
		t.Fatalf("SHOW fsync = %q, %v; want off", fsync, err)
	}

	// The unix socket works too (in the fallback dir).
	sock := &Cluster{host: c.SocketDir(), port: c.Port()}
	if err := sock.ping(ctx); err != nil {
		t.Fatalf("unix socket in %s: %v", c.SocketDir(), err)
	}
	a, err := Attach(ctx, dir)
	if err != nil || a == nil {
		t.Fatalf("Attach = %v, %v", a, err)
	}
	if a.Host() != "127.0.0.1" || a.Port() != c.Port() || a.SocketDir() != c.SocketDir() {
		t.Fatalf("attached: host=%s port=%d socket=%s", a.Host(), a.Port(), a.SocketDir())
	}
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(c.SocketDir()); err == nil {
		t.Errorf("fallback socket dir %s left behind after Stop", c.SocketDir())
	}
}

// TestParentKilled starts a cluster in a child process, SIGKILLs that process
// and checks that the postmaster dies with it (Pdeathsig) and that a new Start
// on the same directory works.
func TestParentKilled(t *testing.T) {
	skipWithoutBinaries(t)
	t.Parallel()
	dir := clusterDir(t)

	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.v")
	cmd.Env = append(os.Environ(), "LOCALPG_HELPER_DIR="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	var pid int
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if _, err := fmt.Sscanf(sc.Text(), "postmaster %d", &pid); err == nil {
			break
		}
	}
	if pid == 0 {
		t.Fatal("helper did not start a cluster")
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for processAlive(pid) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("postmaster %d survived its parent's death", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}

	c := start(t, Options{Dir: dir})
	if n := queryInt(t, open(t, c, "postgres"), "SELECT 1"); n != 1 {
		t.Fatalf("SELECT 1 = %d", n)
	}
}

// TestMain doubles as the child process of TestParentKilled: with
// LOCALPG_HELPER_DIR set, it starts a cluster there, prints the
// postmaster's pid and waits to be killed.
func TestMain(m *testing.M) {
	if dir := os.Getenv("LOCALPG_HELPER_DIR"); dir != "" {
		c, err := Start(context.Background(), Options{Dir: dir})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Printf("postmaster %d\n", c.PID())
		select {} // wait to be killed
	}
	os.Exit(m.Run())
}

// TestStartFailureShowsLog checks that a server that cannot start is reported
// with its log.
func TestStartFailureShowsLog(t *testing.T) {
	skipWithoutBinaries(t)
	t.Parallel()
	dir := clusterDir(t)
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o700); err != nil {
		t.Fatal(err)
	}
	// A PG_VERSION without a cluster: initdb is skipped, postgres fails.
	if err := os.WriteFile(filepath.Join(dir, "data", "PG_VERSION"), []byte("15\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Start(context.Background(), Options{Dir: dir})
	if err == nil {
		c.Stop()
		t.Fatal("Start succeeded on a broken data dir")
	}
	t.Logf("Start error (expected): %v", err)
	if !strings.Contains(err.Error(), "exited during startup") || !strings.Contains(err.Error(), "postgresql.conf") {
		t.Fatalf("error does not show the server log: %v", err)
	}
}

// TestRootUnreachableDir checks the error when, as root, the postgres user
// cannot reach the cluster dir.
func TestRootUnreachableDir(t *testing.T) {
	skipWithoutBinaries(t)
	if os.Geteuid() != 0 {
		t.Skip("only meaningful as root")
	}
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "pg") // t.TempDir's parent is root-owned 0700
	_, err := Start(context.Background(), Options{Dir: dir})
	if err == nil || !strings.Contains(err.Error(), "cannot reach") || !strings.Contains(err.Error(), "--data-dir") {
		t.Fatalf("Start in an unreachable dir: got %v", err)
	}
}
