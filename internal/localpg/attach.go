package localpg

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/lib/pq"
)

// pidFile is the part of data/postmaster.pid we use. Its lines are: PID,
// data directory, start time, port, first socket directory, first listen
// address, shared memory key, status.
type pidFile struct {
	pid        int
	port       int
	socketDir  string
	listenAddr string
}

func readPidFile(dataDir string) (*pidFile, error) {
	b, err := os.ReadFile(filepath.Join(dataDir, "postmaster.pid"))
	if err != nil {
		return nil, err
	}
	lines := strings.Split(string(b), "\n")
	field := func(i int) string {
		if i < len(lines) {
			return strings.TrimSpace(lines[i])
		}
		return ""
	}
	pid, err := strconv.Atoi(field(0))
	if err != nil || pid <= 0 {
		return nil, fmt.Errorf("malformed postmaster.pid: bad pid %q", field(0))
	}
	port, err := strconv.Atoi(field(3))
	if err != nil {
		// Written a moment after the pid while the server starts.
		port = 0
	}
	return &pidFile{pid: pid, port: port, socketDir: field(4), listenAddr: field(5)}, nil
}

// processAlive reports whether pid exists (EPERM means it does, owned by
// someone else, e.g. the postgres user when we are not root).
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// Attach returns the server already running on the cluster in dir (for
// example one started by `settle serve`), or (nil, nil) if there is none or it
// does not accept connections. The returned cluster is not owned: Stop is a
// no-op.
func Attach(ctx context.Context, dir string) (*Cluster, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("localpg: %w", err)
	}
	pf, err := readPidFile(filepath.Join(dir, dataDirName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("localpg: attach: %w", err)
	}
	if !processAlive(pf.pid) || pf.port == 0 {
		return nil, nil
	}

	socketDir := pf.socketDir
	if socketDir == "" {
		socketDir = filepath.Join(dir, runDirName)
		if b, err := os.ReadFile(filepath.Join(dir, socketDirFile)); err == nil {
			if s := strings.TrimSpace(string(b)); s != "" {
				socketDir = s
			}
		}
	}
	hosts := []string{socketDir}
	if pf.listenAddr != "" && pf.listenAddr != "*" {
		// Started as throwaway: prefer TCP like Start does.
		hosts = []string{pf.listenAddr, socketDir}
	}
	for _, host := range hosts {
		c := &Cluster{
			dir:       dir,
			socketDir: socketDir,
			host:      host,
			port:      pf.port,
			log:       slog.New(slog.DiscardHandler),
		}
		if c.ping(ctx) == nil {
			return c, nil
		}
	}
	return nil, nil
}

// StartOrAttach attaches to a server already running on opts.Dir, or starts
// one.
func StartOrAttach(ctx context.Context, opts Options) (*Cluster, error) {
	c, err := Attach(ctx, opts.Dir)
	if err != nil || c != nil {
		if c != nil && opts.Logger != nil {
			c.log = opts.Logger
			c.log.Info("attached to running postgres", "dir", c.dir, "host", c.host, "port", c.port)
		}
		return c, err
	}
	return Start(ctx, opts)
}

func (c *Cluster) ping(ctx context.Context) error {
	connector, err := pq.NewConnector(c.DSN("postgres") + " connect_timeout=2")
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	conn, err := connector.Connect(ctx)
	if err != nil {
		return err
	}
	return conn.Close()
}
