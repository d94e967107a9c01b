package localpg

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/lib/pq"
)

const (
	superuser = "postgres"
	// defaultPort is the port of a non-throwaway cluster. It only names the
	// socket file (.s.PGSQL.5432) since such a cluster does not listen on TCP,
	// so it cannot clash with another server.
	defaultPort = 5432
	// maxSocketPath keeps the socket path (dir + "/.s.PGSQL.NNNNN.lock") well
	// under the sun_path limit (104 bytes on macOS, 108 on Linux).
	maxSocketPath = 100

	readyTimeout   = 30 * time.Second
	pollInterval   = 20 * time.Millisecond
	stopTimeout    = 10 * time.Second
	retryWindow    = 10 * time.Second
	logTailLines   = 20
	socketDirFile  = "socketdir"
	logFileName    = "postgres.log"
	dataDirName    = "data"
	runDirName     = "run"
	throwawayHost  = "127.0.0.1"
	connectTimeout = 2 * time.Second
)

// Options configures [Start].
type Options struct {
	// Dir is the cluster root: data in Dir/data, unix socket in Dir/run,
	// server log in Dir/postgres.log. It is created (0700) if missing.
	Dir string
	// Throwaway is for tests: durability is off (fsync, synchronous_commit,
	// full_page_writes), initdb skips syncing, and the server also listens on
	// 127.0.0.1 at a free port (pgtestdb needs TCP). DSN then uses TCP.
	Throwaway bool
	// Logger receives progress messages; nil discards them.
	Logger *slog.Logger
}

// Cluster is a running PostgreSQL server, either started by this process
// ([Start], owned) or found running ([Attach], not owned).
type Cluster struct {
	dir       string
	socketDir string
	host      string
	port      int
	owned     bool
	log       *slog.Logger

	// Owned clusters only.
	cmd     *exec.Cmd
	logFile *os.File
	done    chan struct{} // closed when the postmaster has exited
	waitErr error         // set before done is closed

	stopOnce sync.Once
	stopErr  error
}

// osUser is the user that runs initdb and postgres when we are root.
type osUser struct {
	name     string
	uid, gid uint32
	groups   []uint32
}

// DSN returns a lib/pq key=value connection string for database dbname.
func (c *Cluster) DSN(dbname string) string {
	return fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable",
		dsnQuote(c.host), c.port, superuser, dsnQuote(dbname))
}

// Host is the host in DSN: the socket directory, or 127.0.0.1 for a
// throwaway cluster.
func (c *Cluster) Host() string { return c.host }

// Port is the server port (for a unix-socket-only cluster it only names the
// socket file).
func (c *Cluster) Port() int { return c.port }

// SocketDir is the directory holding the unix socket.
func (c *Cluster) SocketDir() string { return c.socketDir }

// Dir is the cluster root directory.
func (c *Cluster) Dir() string { return c.dir }

// Owned reports whether this process started the server (and Stop stops it).
func (c *Cluster) Owned() bool { return c.owned }

// PID is the postmaster's process id (0 for an attached cluster).
func (c *Cluster) PID() int {
	if c.cmd == nil || c.cmd.Process == nil {
		return 0
	}
	return c.cmd.Process.Pid
}

// Done is closed when an owned postmaster exits, for whatever reason. For an
// attached cluster it returns nil (blocks forever).
func (c *Cluster) Done() <-chan struct{} {
	if c.done == nil {
		return nil
	}
	return c.done
}

// Start initialises opts.Dir if needed and starts a postgres server on it,
// returning once it accepts connections. The caller must call Stop.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	if opts.Dir == "" {
		return nil, errors.New("localpg: Options.Dir is empty")
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("localpg: %w", err)
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	begin := time.Now()

	binDir, err := FindBinDir()
	if err != nil {
		return nil, err
	}
	owner, err := serverUser()
	if err != nil {
		return nil, err
	}
	if err := prepareDirs(dir, owner); err != nil {
		return nil, err
	}
	if owner != nil {
		if err := checkTraversable(binDir, dir, owner); err != nil {
			return nil, err
		}
	}
	socketDir, err := prepareSocketDir(dir, owner)
	if err != nil {
		return nil, err
	}

	dataDir := filepath.Join(dir, dataDirName)
	if _, err := os.Stat(filepath.Join(dataDir, "PG_VERSION")); errors.Is(err, fs.ErrNotExist) {
		if err := initdb(ctx, binDir, dir, owner, opts.Throwaway, logger); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, fmt.Errorf("localpg: %w", err)
	}

	logPath := filepath.Join(dir, logFileName)
	logFile, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("localpg: open server log: %w", err)
	}

	// A start can fail for transient reasons: the free port was taken in
	// between (throwaway), or the backends of a postmaster that was just
	// SIGKILLed still hold its shared memory. Retry those for a while.
	deadline := time.Now().Add(retryWindow)
	for attempt := 1; ; attempt++ {
		port := defaultPort
		if opts.Throwaway {
			if port, err = freePort(); err != nil {
				logFile.Close()
				return nil, fmt.Errorf("localpg: find a free port: %w", err)
			}
		}
		c := &Cluster{
			dir:       dir,
			socketDir: socketDir,
			host:      socketDir,
			port:      port,
			owned:     true,
			log:       logger,
			logFile:   logFile,
		}
		if opts.Throwaway {
			c.host = throwawayHost
		}
		tail, err := c.launch(ctx, binDir, owner, opts.Throwaway)
		if err == nil {
			logger.Info("postgres started", "dir", dir, "host", c.host, "port", port,
				"pid", c.PID(), "elapsed", time.Since(begin).Round(time.Millisecond))
			return c, nil
		}
		if reason := transient(tail); reason != "" && ctx.Err() == nil && time.Now().Before(deadline) {
			logger.Debug("postgres start failed, retrying", "reason", reason, "attempt", attempt)
			select {
			case <-time.After(time.Duration(attempt) * 50 * time.Millisecond):
			case <-ctx.Done():
			}
			continue
		}
		logFile.Close()
		return nil, err
	}
}

// transient reports why a failed start is worth retrying ("" if it is not).
func transient(logTail string) string {
	switch {
	case strings.Contains(logTail, "could not bind IPv4 address"),
		strings.Contains(logTail, "Address already in use"):
		return "port in use"
	case strings.Contains(logTail, "pre-existing shared memory block"):
		return "old server processes still exiting"
	}
	return ""
}

// launch starts the postmaster and waits until it accepts connections. On
// failure the process is gone and the returned string is the log of this
// attempt (for transient).
func (c *Cluster) launch(ctx context.Context, binDir string, owner *osUser, throwaway bool) (string, error) {
	offset, _ := c.logFile.Seek(0, io.SeekEnd)
	args := []string{
		"-D", filepath.Join(c.dir, dataDirName),
		"-k", c.socketDir,
		"-p", strconv.Itoa(c.port),
	}
	if throwaway {
		args = append(args,
			"-c", "listen_addresses="+throwawayHost,
			"-c", "fsync=off",
			"-c", "synchronous_commit=off",
			"-c", "full_page_writes=off",
		)
	} else {
		args = append(args,
			"-c", "listen_addresses=",
			"-c", "unix_socket_permissions=0700",
		)
	}
	cmd := exec.Command(filepath.Join(binDir, "postgres"), args...)
	cmd.Dir = c.dir
	cmd.Env = childEnv("C.UTF-8")
	cmd.Stdout = c.logFile
	cmd.Stderr = c.logFile
	cmd.SysProcAttr = sysProcAttr(owner)
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("localpg: start postgres: %w", err)
	}
	c.cmd = cmd
	c.done = make(chan struct{})
	go func() {
		c.waitErr = cmd.Wait()
		close(c.done)
	}()

	logTail := func() string { return tailFrom(filepath.Join(c.dir, logFileName), offset, logTailLines) }
	kill := func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-c.done
	}

	connector, err := pq.NewConnector(c.DSN("postgres") + " connect_timeout=2")
	if err != nil {
		kill()
		return "", fmt.Errorf("localpg: %w", err)
	}
	timeout := time.NewTimer(readyTimeout)
	defer timeout.Stop()
	for {
		pctx, cancel := context.WithTimeout(ctx, connectTimeout)
		conn, err := connector.Connect(pctx)
		cancel()
		if err == nil {
			conn.Close()
			return "", nil
		}
		select {
		case <-c.done:
			tail := logTail()
			return tail, fmt.Errorf("localpg: postgres exited during startup (%v); %s:\n%s",
				c.waitErr, filepath.Join(c.dir, logFileName), tail)
		case <-ctx.Done():
			kill()
			return "", fmt.Errorf("localpg: waiting for postgres: %w", ctx.Err())
		case <-timeout.C:
			kill()
			tail := logTail()
			return tail, fmt.Errorf("localpg: postgres not accepting connections after %s (last error: %v); %s:\n%s",
				readyTimeout, err, filepath.Join(c.dir, logFileName), tail)
		case <-time.After(pollInterval):
		}
	}
}

// Stop shuts an owned server down: SIGINT (fast shutdown), then SIGKILL to its
// process group after 10 s. It waits for the postmaster to exit. It is
// idempotent, and a no-op for an attached cluster.
func (c *Cluster) Stop() error {
	if !c.owned {
		return nil
	}
	c.stopOnce.Do(func() { c.stopErr = c.stop() })
	return c.stopErr
}

func (c *Cluster) stop() error {
	defer func() {
		c.logFile.Close()
		if c.socketDir != filepath.Join(c.dir, runDirName) {
			_ = os.Remove(c.socketDir) // fallback dir; fails harmlessly if not empty
		}
	}()
	pid := c.cmd.Process.Pid
	select {
	case <-c.done:
		c.log.Warn("postgres had already exited", "pid", pid, "status", fmt.Sprint(c.waitErr))
		return nil
	default:
	}
	if err := syscall.Kill(pid, syscall.SIGINT); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("localpg: stop postgres (pid %d): %w", pid, err)
	}
	select {
	case <-c.done:
		c.log.Info("postgres stopped", "pid", pid)
		return nil
	case <-time.After(stopTimeout):
	}
	c.log.Warn("postgres did not stop in time, killing it", "pid", pid, "timeout", stopTimeout)
	if err := syscall.Kill(-pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("localpg: kill postgres (pid %d): %w", pid, err)
	}
	<-c.done
	return nil
}

// CreateDatabase creates database name unless it exists.
func (c *Cluster) CreateDatabase(ctx context.Context, name string) error {
	if name == "" {
		return errors.New("localpg: create database: empty name")
	}
	db, err := c.open("postgres")
	if err != nil {
		return err
	}
	defer db.Close()
	var exists bool
	err = db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists)
	if err != nil {
		return fmt.Errorf("localpg: create database %q: %w", name, err)
	}
	if exists {
		return nil
	}
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+pq.QuoteIdentifier(name)); err != nil {
		var pqErr *pq.Error
		if errors.As(err, &pqErr) && pqErr.Code == "42P04" { // duplicate_database: lost a race
			return nil
		}
		return fmt.Errorf("localpg: create database %q: %w", name, err)
	}
	c.log.Info("database created", "name", name)
	return nil
}

func (c *Cluster) open(dbname string) (*sql.DB, error) {
	connector, err := pq.NewConnector(c.DSN(dbname))
	if err != nil {
		return nil, fmt.Errorf("localpg: %w", err)
	}
	return sql.OpenDB(connector), nil
}

// serverUser returns the postgres system user when running as root (initdb
// and postgres refuse to run as root), nil otherwise.
func serverUser() (*osUser, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup(superuser)
	if err != nil {
		return nil, fmt.Errorf("localpg: running as root needs a %q system user to run initdb and postgres (they refuse to run as root): %w", superuser, err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("localpg: user %q: %w", superuser, err)
	}
	owner := &osUser{name: u.Username, uid: uint32(uid), gid: uint32(gid)}
	if ids, err := u.GroupIds(); err == nil {
		for _, id := range ids {
			if g, err := strconv.ParseUint(id, 10, 32); err == nil {
				owner.groups = append(owner.groups, uint32(g))
			}
		}
	}
	return owner, nil
}

// prepareDirs creates Dir (0700), Dir/data and Dir/run, and hands them to
// owner when running as root. Missing parents of Dir are created 0755 so the
// postgres user can traverse them.
func prepareDirs(dir string, owner *osUser) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return fmt.Errorf("localpg: create cluster dir: %w", err)
	}
	for _, d := range []string{dir, filepath.Join(dir, dataDirName), filepath.Join(dir, runDirName)} {
		if err := os.Mkdir(d, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("localpg: create cluster dir: %w", err)
		}
		if owner != nil {
			if err := os.Chown(d, int(owner.uid), int(owner.gid)); err != nil {
				return fmt.Errorf("localpg: chown %s to %s: %w", d, owner.name, err)
			}
		}
	}
	// postgres refuses a data directory with group/other access beyond 0750.
	if err := os.Chmod(filepath.Join(dir, dataDirName), 0o700); err != nil {
		return fmt.Errorf("localpg: chmod data dir: %w", err)
	}
	return nil
}

// checkTraversable verifies that owner can reach dir, by starting
// `postgres --version` there as owner (the kernel is the judge, ACLs
// included). On failure it names the first parent that blocks the way.
func checkTraversable(binDir, dir string, owner *osUser) error {
	cmd := exec.Command(filepath.Join(binDir, "postgres"), "--version")
	cmd.Dir = dir
	cmd.SysProcAttr = sysProcAttr(owner)
	if err := cmd.Run(); err == nil {
		return nil
	}
	culprit := dir
	for _, p := range ancestors(dir) {
		fi, err := os.Stat(p)
		if err != nil {
			break
		}
		if !canSearch(fi, owner) {
			culprit = fmt.Sprintf("%s (mode %04o)", p, fi.Mode().Perm())
			break
		}
	}
	return fmt.Errorf("localpg: running as root, so postgres runs as user %q, but that user cannot reach %s: "+
		"%s is not traversable for it; choose a --data-dir outside it (e.g. /var/lib/settle) or make the parent directories traversable (chmod o+x)",
		owner.name, dir, culprit)
}

// ancestors returns "/", "/a", "/a/b", ... up to and including dir.
func ancestors(dir string) []string {
	var out []string
	for p := dir; ; p = filepath.Dir(p) {
		out = append([]string{p}, out...)
		if p == filepath.Dir(p) {
			return out
		}
	}
}

func canSearch(fi os.FileInfo, owner *osUser) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return true
	}
	perm := fi.Mode().Perm()
	switch {
	case st.Uid == owner.uid:
		return perm&0o100 != 0
	case st.Gid == owner.gid || containsUint(owner.groups, st.Gid):
		return perm&0o010 != 0
	default:
		return perm&0o001 != 0
	}
}

func containsUint(s []uint32, v uint32) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// socketDirFor returns the socket directory for a cluster in dir: dir/run, or
// a short directory under the temp dir when dir/run would make the socket path
// too long.
func socketDirFor(dir string) string {
	run := filepath.Join(dir, runDirName)
	if len(run)+len("/.s.PGSQL.65535.lock") < maxSocketPath {
		return run
	}
	sum := sha256.Sum256([]byte(dir))
	return filepath.Join(os.TempDir(), "settle-pg-"+hex.EncodeToString(sum[:6]))
}

// prepareSocketDir picks the socket directory and records a fallback in
// Dir/socketdir so Attach finds it.
func prepareSocketDir(dir string, owner *osUser) (string, error) {
	sockDir := socketDirFor(dir)
	record := filepath.Join(dir, socketDirFile)
	if sockDir == filepath.Join(dir, runDirName) {
		if err := os.Remove(record); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("localpg: %w", err)
		}
		return sockDir, nil
	}
	if len(sockDir)+len("/.s.PGSQL.65535.lock") >= maxSocketPath {
		return "", fmt.Errorf("localpg: socket directory %s is too long for a unix socket; use a shorter path or TMPDIR", sockDir)
	}
	if err := os.Mkdir(sockDir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return "", fmt.Errorf("localpg: create socket dir: %w", err)
	}
	// The directory sits in a shared temp dir: make sure it is ours.
	fi, err := os.Lstat(sockDir)
	if err != nil {
		return "", fmt.Errorf("localpg: socket dir: %w", err)
	}
	wantUID := uint32(os.Geteuid())
	if owner != nil {
		if err := os.Chown(sockDir, int(owner.uid), int(owner.gid)); err != nil {
			return "", fmt.Errorf("localpg: chown socket dir: %w", err)
		}
		wantUID = owner.uid
		if fi, err = os.Lstat(sockDir); err != nil {
			return "", fmt.Errorf("localpg: socket dir: %w", err)
		}
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !fi.IsDir() || fi.Mode()&os.ModeSymlink != 0 || (ok && st.Uid != wantUID) || fi.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("localpg: socket dir %s exists but is not a private directory of ours; remove it", sockDir)
	}
	if err := os.WriteFile(record, []byte(sockDir+"\n"), 0o644); err != nil {
		return "", fmt.Errorf("localpg: record socket dir: %w", err)
	}
	return sockDir, nil
}

// initdb creates the cluster in dir/data.
func initdb(ctx context.Context, binDir, dir string, owner *osUser, throwaway bool, logger *slog.Logger) error {
	dataDir := filepath.Join(dir, dataDirName)
	if entries, err := os.ReadDir(dataDir); err == nil && len(entries) > 0 {
		return fmt.Errorf("localpg: initdb: data directory %s is not empty but has no PG_VERSION "+
			"(an interrupted initdb?); remove it to create a new cluster", dataDir)
	}
	begin := time.Now()
	run := func(locale string) ([]byte, error) {
		args := []string{"-D", dataDir, "-U", superuser, "-A", "trust", "-E", "UTF8", "--locale=" + locale}
		if throwaway {
			args = append(args, "--no-sync")
		}
		cmd := exec.CommandContext(ctx, filepath.Join(binDir, "initdb"), args...)
		cmd.Dir = dir
		cmd.Env = childEnv(locale)
		cmd.SysProcAttr = sysProcAttr(owner)
		var out bytes.Buffer
		cmd.Stdout = &out
		cmd.Stderr = &out
		err := cmd.Run()
		return out.Bytes(), err
	}
	out, err := run("C.UTF-8")
	if err != nil && ctx.Err() == nil && bytes.Contains(bytes.ToLower(out), []byte("locale")) {
		// Some systems (macOS) have no C.UTF-8 locale; C works with UTF8.
		logger.Debug("initdb failed with locale C.UTF-8, retrying with C", "output", string(out))
		out, err = run("C")
	}
	if err != nil {
		return fmt.Errorf("localpg: initdb: %w:\n%s", err, lastLines(string(out), logTailLines))
	}
	logger.Info("postgres cluster created", "dir", dataDir, "elapsed", time.Since(begin).Round(time.Millisecond))
	return nil
}

// childEnv is the environment for initdb and postgres: ours minus variables
// that would change their behaviour (PG*, locale), plus LC_ALL.
func childEnv(locale string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "PG") || strings.HasPrefix(k, "LC_") || k == "LANG" || k == "LANGUAGE" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "LC_ALL="+locale)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", throwawayHost+":0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// tailFrom returns the last n lines of path starting at byte offset.
func tailFrom(path string, offset int64, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Sprintf("(cannot read log: %v)", err)
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return fmt.Sprintf("(cannot read log: %v)", err)
	}
	b, err := io.ReadAll(io.LimitReader(f, 1<<20))
	if err != nil {
		return fmt.Sprintf("(cannot read log: %v)", err)
	}
	return lastLines(string(b), n)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// dsnQuote quotes a value for a key=value connection string when needed.
func dsnQuote(v string) string {
	if v != "" && !strings.ContainsAny(v, ` '\`+"\t\n") {
		return v
	}
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}
