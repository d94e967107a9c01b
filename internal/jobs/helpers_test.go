package jobs

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/settle/settle/internal/testdb"
)

func TestMain(m *testing.M) {
	if url := os.Getenv(crashWorkerEnv); url != "" {
		crashWorker(url) // the child process of TestKill9MidJob
	}
	testdb.Main(m)
}

// openDB returns a fresh migrated database and its URL (for the listener).
func openDB(t testing.TB) (*sqlx.DB, string) {
	t.Helper()
	url := testdb.NewURL(t)
	db, err := sqlx.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	// Pooled like store.Open does in production: with database/sql's
	// default of 2 idle connections, the runner's concurrent claims and
	// updates would open a new connection (a backend fork) every few jobs.
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(32)
	t.Cleanup(func() { _ = db.Close() })
	return db, url
}

// logBuf is an slog destination that forwards to t.Log while the test runs
// and keeps everything for assertions.
type logBuf struct {
	mu   sync.Mutex
	t    testing.TB
	done bool
	b    strings.Builder
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.Write(p)
	if !l.done {
		l.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newLogger(t testing.TB) (*slog.Logger, *logBuf) {
	lb := &logBuf{t: t}
	t.Cleanup(func() {
		lb.mu.Lock()
		lb.done = true
		lb.mu.Unlock()
	})
	return slog.New(slog.NewTextHandler(lb, &slog.HandlerOptions{Level: slog.LevelInfo})), lb
}

// newRunner returns a Runner on db/url with a test logger and test timings.
func newRunner(t testing.TB, db *sqlx.DB, url string) (*Runner, *logBuf) {
	log, lb := newLogger(t)
	r := New(db, url, log)
	r.pollInterval = 100 * time.Millisecond
	r.grace = 5 * time.Second
	return r, lb
}

// start runs r in the background. stop cancels it and returns Run's result;
// it also runs at cleanup.
func start(t testing.TB, r *Runner) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- r.Run(ctx) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-errc:
			case <-time.After(30 * time.Second):
				err = errors.New("Run did not return within 30 s of cancel")
			}
		})
		return err
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	})
	return stop
}

// eventually fails the test unless cond becomes true within timeout; the
// timeout only keeps a broken test from hanging.
func eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type jobRow struct {
	Kind       string         `db:"kind"`
	State      string         `db:"state"`
	Attempts   int            `db:"attempts"`
	RunAt      time.Time      `db:"run_at"`
	LockedBy   sql.NullString `db:"locked_by"`
	LastError  string         `db:"last_error"`
	FinishedAt sql.NullTime   `db:"finished_at"`
}

func getJob(t testing.TB, db *sqlx.DB, id int64) jobRow {
	t.Helper()
	var j jobRow
	if err := db.Get(&j, `SELECT kind, state, attempts, run_at, locked_by, last_error, finished_at FROM jobs WHERE id = $1`, id); err != nil {
		t.Fatalf("job %d: %v", id, err)
	}
	return j
}

// waitState waits until job id is in state and returns it.
func waitState(t testing.TB, db *sqlx.DB, id int64, state string) jobRow {
	t.Helper()
	var j jobRow
	eventually(t, 10*time.Second, "job reaches state "+state, func() bool {
		j = getJob(t, db, id)
		return j.State == state
	})
	return j
}

func enqueue(t testing.TB, db sqlx.ExtContext, kind string, payload any, opts ...Option) int64 {
	t.Helper()
	id, err := Enqueue(context.Background(), db, kind, payload, opts...)
	if err != nil {
		t.Fatal(err)
	}
	if id == 0 {
		t.Fatal("Enqueue returned id 0")
	}
	return id
}

func countJobs(t testing.TB, db *sqlx.DB, where string, args ...any) int {
	t.Helper()
	var n int
	if err := db.Get(&n, `SELECT count(*) FROM jobs WHERE `+where, args...); err != nil {
		t.Fatal(err)
	}
	return n
}
