package testdb

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq" // registers the "postgres" driver used by pgtestdb
	"github.com/peterldowns/pgtestdb"
	"github.com/pressly/goose/v3"

	"github.com/settle/settle/internal/localpg"
	"github.com/settle/settle/migrations"
)

const (
	dirPrefix = "settle-test-"
	staleAge  = time.Hour
)

var (
	// cluster is the server started by Main for this test binary.
	cluster *localpg.Cluster
	// skipReason is set by Main when there is no server to test against.
	skipReason string
)

// Main runs the tests of a package against one throwaway PostgreSQL cluster.
// Call it from TestMain; it does not return.
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	sweepStaleDirs()

	if _, err := localpg.FindBinDir(); err != nil {
		if os.Getenv("CI") != "" {
			fmt.Fprintf(os.Stderr, "testdb: %v\ntestdb: CI is set, so missing PostgreSQL is an error\n", err)
			return 1
		}
		skipReason = fmt.Sprintf("testdb: skipping database tests: %v", err)
		fmt.Fprintln(os.Stderr, skipReason)
		return m.Run()
	}

	dir, err := os.MkdirTemp("", dirPrefix+"*")
	if err != nil {
		fmt.Fprintf(os.Stderr, "testdb: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	c, err := localpg.Start(ctx, localpg.Options{Dir: dir, Throwaway: true, Logger: logger})
	if err != nil {
		fmt.Fprintf(os.Stderr, "testdb: start PostgreSQL: %v\n", err)
		return 1
	}
	cluster = c
	defer func() {
		if err := c.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "testdb: %v\n", err)
		}
	}()
	return m.Run()
}

// sweepStaleDirs removes cluster dirs of earlier test runs that were killed
// before they could clean up (their postmaster died with them).
func sweepStaleDirs() {
	paths, _ := filepath.Glob(filepath.Join(os.TempDir(), dirPrefix+"*"))
	for _, p := range paths {
		fi, err := os.Lstat(p)
		if err != nil || !fi.IsDir() || time.Since(fi.ModTime()) < staleAge || serverAlive(p) {
			continue
		}
		_ = os.RemoveAll(p)
	}
}

// serverAlive reports whether dir's postmaster.pid names a live process.
func serverAlive(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "data", "postmaster.pid"))
	if err != nil {
		return false
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil || pid <= 0 {
		return false
	}
	err = syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// New returns a fresh database with all migrations applied, private to this
// test and dropped when it passes. The package's TestMain must call Main.
func New(t testing.TB) *sqlx.DB {
	t.Helper()
	return newDB(t, migrations.FS)
}

// NewURL is New for code that connects by itself: it returns the
// connection URL of a fresh, migrated database (the program under test
// opens it as DATABASE_URL).
func NewURL(t testing.TB) string {
	t.Helper()
	return pgtestdb.Custom(t, config(t), migrator{migrations.FS}).URL()
}

func config(t testing.TB) pgtestdb.Config {
	t.Helper()
	if skipReason != "" {
		t.Skip(skipReason)
	}
	if cluster == nil {
		t.Fatal("testdb: New needs the cluster started by testdb.Main; add to the package's tests:\n\tfunc TestMain(m *testing.M) { testdb.Main(m) }")
	}
	return pgtestdb.Config{
		DriverName: "postgres",
		Host:       cluster.Host(),
		Port:       strconv.Itoa(cluster.Port()),
		User:       "postgres",
		Password:   "", // trust authentication
		Database:   "postgres",
		Options:    "sslmode=disable",
	}
}

func newDB(t testing.TB, fsys fs.FS) *sqlx.DB {
	t.Helper()
	db := pgtestdb.New(t, config(t), migrator{fsys})
	return sqlx.NewDb(db, "postgres")
}

// migrator applies the goose migrations in fsys (*.sql at its root).
type migrator struct{ fsys fs.FS }

// Hash identifies the migrations: sha256 over every file name and content.
func (m migrator) Hash() (string, error) {
	h := sha256.New()
	err := fs.WalkDir(m.fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(m.fsys, path)
		if err != nil {
			return err
		}
		// Length-prefix both parts so no two file sets hash alike.
		for _, part := range [][]byte{[]byte(path), b} {
			_ = binary.Write(h, binary.BigEndian, uint64(len(part)))
			h.Write(part)
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("testdb: hash migrations: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Migrate runs all goose migrations up on the template database.
func (m migrator) Migrate(ctx context.Context, db *sql.DB, _ pgtestdb.Config) error {
	provider, err := goose.NewProvider(goose.DialectPostgres, db, m.fsys)
	if errors.Is(err, goose.ErrNoMigrations) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("testdb: goose: %w", err)
	}
	if _, err := provider.Up(ctx); err != nil {
		return fmt.Errorf("testdb: migrate: %w", err)
	}
	return nil
}
