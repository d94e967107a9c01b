package jobs

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
)

var errBoom = errors.New("boom")

func fastBackoff(int) time.Duration { return 10 * time.Millisecond }

func TestEnqueueRun(t *testing.T) {
	t.Parallel()
	db, url := openDB(t)
	r, _ := newRunner(t, db, url)
	type payload struct {
		Invoice string `json:"invoice"`
		Cents   int64  `json:"cents"`
	}
	got := make(chan *Job, 1)
	r.Handle("invoice.remind", func(ctx context.Context, job *Job) error {
		got <- job
		return nil
	})
	start(t, r)

	id := enqueue(t, db, "invoice.remind", payload{Invoice: "INV-1", Cents: 1234})
	var job *Job
	select {
	case job = <-got:
	case <-time.After(10 * time.Second):
		t.Fatal("handler not called within 10 s")
	}
	var p payload
	if err := json.Unmarshal(job.Payload, &p); err != nil {
		t.Fatal(err)
	}
	if p != (payload{"INV-1", 1234}) {
		t.Errorf("payload = %+v", p)
	}
	if job.ID != id || job.Kind != "invoice.remind" || job.Attempt != 1 || job.MaxAttempts != 10 || job.CreatedAt.IsZero() {
		t.Errorf("job = %+v, want id %d, attempt 1 of 10", job, id)
	}
	j := waitState(t, db, id, "done")
	if j.Attempts != 1 || !j.FinishedAt.Valid || j.LastError != "" || j.LockedBy.String != r.ID() {
		t.Errorf("done job = %+v, want attempts 1, finished, locked_by %s", j, r.ID())
	}
}

func TestEnqueueInTransaction(t *testing.T) {
	t.Parallel()
	db, url := openDB(t)
	r, _ := newRunner(t, db, url)
	var mu sync.Mutex
	ran := map[string]bool{}
	r.Handle("mail.send", func(ctx context.Context, job *Job) error {
		var to string
		_ = json.Unmarshal(job.Payload, &to)
		mu.Lock()
		ran[to] = true
		mu.Unlock()
		return nil
	})
	start(t, r)

	ctx := context.Background()
	tx := db.MustBeginTx(ctx, nil)
	if _, err := Enqueue(ctx, tx, "mail.send", "rolled-back"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	tx = db.MustBeginTx(ctx, nil)
	id, err := Enqueue(ctx, tx, "mail.send", "committed")
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	waitState(t, db, id, "done")
	if n := countJobs(t, db, "true"); n != 1 {
		t.Errorf("%d jobs, want 1 (the rolled-back one must not exist)", n)
	}
	mu.Lock()
	defer mu.Unlock()
	if !ran["committed"] || ran["rolled-back"] {
		t.Errorf("ran = %v, want only the committed job", ran)
	}
}

func TestUniqueKey(t *testing.T) {
	t.Parallel()
	db, _ := openDB(t)
	ctx := context.Background()
	first, err := Enqueue(ctx, db, "event.dispatch", 1, UniqueKey("event:1"))
	if err != nil || first == 0 {
		t.Fatalf("first Enqueue = %d, %v", first, err)
	}
	second, err := Enqueue(ctx, db, "event.dispatch", 1, UniqueKey("event:1"))
	if err != nil || second != 0 {
		t.Fatalf("second Enqueue = %d, %v; want 0, nil", second, err)
	}
	other, err := Enqueue(ctx, db, "event.dispatch", 2, UniqueKey("event:2"))
	if err != nil || other == 0 {
		t.Fatalf("other key: Enqueue = %d, %v", other, err)
	}
	if n := countJobs(t, db, "unique_key = 'event:1'"); n != 1 {
		t.Errorf("%d jobs with key event:1, want 1", n)
	}
}

// TestTwoRunnersExactlyOnce runs 300 jobs on two Runners and checks that
// each ran exactly once.
func TestTwoRunnersExactlyOnce(t *testing.T) {
	t.Parallel()
	db, url := openDB(t)
	const total = 300
	var mu sync.Mutex
	runs := map[int64]int{}
	byRunner := map[string]int{}
	for range 2 {
		r, _ := newRunner(t, db, url)
		r.Handle("webhook.deliver", func(ctx context.Context, job *Job) error {
			time.Sleep(time.Duration(rand.IntN(1000)) * time.Microsecond)
			mu.Lock()
			runs[job.ID]++
			byRunner[r.ID()]++
			mu.Unlock()
			return nil
		}, Concurrency(8))
		defer start(t, r)()
	}

	// Half while the runners start, half while they run, from two
	// goroutines each.
	var wg sync.WaitGroup
	ids := make(chan int64, total)
	for g := range 4 {
		wg.Go(func() {
			if g >= 2 {
				time.Sleep(50 * time.Millisecond)
			}
			for i := range total / 4 {
				id, err := Enqueue(context.Background(), db, "webhook.deliver", map[string]int{"g": g, "i": i})
				if err != nil {
					t.Error(err)
					return
				}
				ids <- id
			}
		})
	}
	wg.Wait()
	close(ids)
	eventually(t, 15*time.Second, "all jobs done", func() bool {
		return countJobs(t, db, "state = 'done'") == total
	})

	mu.Lock()
	defer mu.Unlock()
	n := 0
	for id := range ids {
		n++
		if runs[id] != 1 {
			t.Errorf("job %d ran %d times", id, runs[id])
		}
	}
	if n != total || len(runs) != total {
		t.Errorf("enqueued %d, handlers saw %d distinct jobs; want %d", n, len(runs), total)
	}
	if c := countJobs(t, db, "state <> 'done' OR attempts <> 1"); c != 0 {
		t.Errorf("%d jobs not done in exactly one attempt", c)
	}
	t.Logf("runs per runner: %v", byRunner)
}

func TestRetryThenSuccess(t *testing.T) {
	t.Parallel()
	db, url := openDB(t)
	r, logs := newRunner(t, db, url)
	var mu sync.Mutex
	var attempts []int
	r.Handle("sms.send", func(ctx context.Context, job *Job) error {
		mu.Lock()
		attempts = append(attempts, job.Attempt)
		mu.Unlock()
		if job.Attempt < 3 {
			return fmt.Errorf("provider said no (attempt %d)", job.Attempt)
		}
		return nil
	}, Backoff(fastBackoff))
	start(t, r)

	id := enqueue(t, db, "sms.send", nil)
	j := waitState(t, db, id, "done")
	if j.Attempts != 3 || j.LastError != "" {
		t.Errorf("job = %+v, want attempts 3 and last_error cleared", j)
	}
	mu.Lock()
	if fmt.Sprint(attempts) != "[1 2 3]" {
		t.Errorf("handler saw attempts %v, want [1 2 3]", attempts)
	}
	mu.Unlock()
	// One log line per failure, naming job, kind, attempt and error.
	for _, a := range []string{"1", "2"} {
		want := fmt.Sprintf("job=%d kind=sms.send attempt=%s", id, a)
		if !strings.Contains(logs.String(), want) || !strings.Contains(logs.String(), "provider said no (attempt "+a+")") {
			t.Errorf("no failure line with %q in log:\n%s", want, logs)
		}
	}
}

func TestMaxAttemptsDeadAndRetry(t *testing.T) {
	t.Parallel()
	db, url := openDB(t)
	r, logs := newRunner(t, db, url)
	var healthy atomic.Bool
	r.Handle("doc.render", func(ctx context.Context, job *Job) error {
		if healthy.Load() {
			return nil
		}
		return errBoom
	}, Backoff(fastBackoff))
	start(t, r)

	id := enqueue(t, db, "doc.render", nil, MaxAttempts(2))
	j := waitState(t, db, id, "dead")
	if j.Attempts != 2 || j.LastError != "boom" || !j.FinishedAt.Valid {
		t.Errorf("dead job = %+v, want attempts 2, last_error boom, finished", j)
	}
	// The line is written right after the state is committed: wait for it
	// rather than race it.
	want := "level=ERROR msg=\"jobs: job is dead"
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(logs.String(), want) && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(logs.String(), want) {
		t.Errorf("no error line for the dead job in log:\n%s", logs)
	}

	if err := Retry(context.Background(), db, 999999); !errors.Is(err, ErrNotDead) {
		t.Errorf("Retry(unknown) = %v, want ErrNotDead", err)
	}
	healthy.Store(true)
	if err := Retry(context.Background(), db, id); err != nil {
		t.Fatal(err)
	}
	j = waitState(t, db, id, "done")
	if j.Attempts != 1 || j.LastError != "" {
		t.Errorf("revived job = %+v, want done in attempt 1", j)
	}
	if err := Retry(context.Background(), db, id); !errors.Is(err, ErrNotDead) {
		t.Errorf("Retry(done job) = %v, want ErrNotDead", err)
	}
}

func TestRetryAtAndPermanent(t *testing.T) {
	t.Parallel()
	db, url := openDB(t)
	r, _ := newRunner(t, db, url)
	later := time.Now().Add(time.Hour).Truncate(time.Second)
	r.Handle("hook.later", func(ctx context.Context, job *Job) error {
		return RetryAt(later, errors.New("429 Retry-After: 3600"))
	})
	r.Handle("hook.gone", func(ctx context.Context, job *Job) error {
		return Permanent(errors.New("410 Gone"))
	})
	start(t, r)

	laterID := enqueue(t, db, "hook.later", nil)
	goneID := enqueue(t, db, "hook.gone", nil)
	var j jobRow
	eventually(t, 10*time.Second, "hook.later ran once", func() bool {
		j = getJob(t, db, laterID)
		return j.State == "pending" && j.Attempts == 1
	})
	if d := j.RunAt.Sub(later); d < -time.Second || d > time.Second {
		t.Errorf("run_at = %v, want %v ±1 s", j.RunAt, later)
	}
	if j.LastError != "429 Retry-After: 3600" {
		t.Errorf("last_error = %q", j.LastError)
	}

	j = waitState(t, db, goneID, "dead")
	if j.Attempts != 1 || j.LastError != "410 Gone" {
		t.Errorf("permanent failure: %+v, want dead after 1 attempt", j)
	}
}

func TestPanicIsRetried(t *testing.T) {
	t.Parallel()
	db, url := openDB(t)
	r, logs := newRunner(t, db, url)
	r.Handle("pdf.render", func(ctx context.Context, job *Job) error {
		if job.Attempt == 1 {
			panic("template missing")
		}
		return nil
	}, Backoff(fastBackoff))
	start(t, r)

	id := enqueue(t, db, "pdf.render", nil)
	j := waitState(t, db, id, "done")
	if j.Attempts != 2 {
		t.Errorf("attempts = %d, want 2 (the panic counts as a failure)", j.Attempts)
	}
	if !strings.Contains(logs.String(), "handler panicked") || !strings.Contains(logs.String(), "runtime/debug.Stack") {
		t.Errorf("panic and stack not logged:\n%s", logs)
	}
	// The runner is still alive.
	waitState(t, db, enqueue(t, db, "pdf.render", nil), "done")
}

func TestGoexitIsAFailure(t *testing.T) {
	t.Parallel()
	db, url := openDB(t)
	r, _ := newRunner(t, db, url)
	r.Handle("odd.handler", func(ctx context.Context, job *Job) error {
		if job.Attempt == 1 {
			runtime.Goexit()
		}
		return nil
	}, Backoff(fastBackoff))
	start(t, r)
	j := waitState(t, db, enqueue(t, db, "odd.handler", nil), "done")
	if j.Attempts != 2 {
		t.Errorf("attempts = %d, want 2", j.Attempts)
	}
}

func TestReaper(t *testing.T) {
	t.Parallel()
	db, url := openDB(t)
	r, logs := newRunner(t, db, url)
	r.reapInterval = 100 * time.Millisecond
	ran := make(chan int64, 10)
	r.Handle("ledger.sync", func(ctx context.Context, job *Job) error {
		ran <- job.ID
		return nil
	}, Lease(time.Minute))

	insert := func(kind, lockedAt string, attempts int) int64 {
		t.Helper()
		var id int64
		if err := db.Get(&id, `INSERT INTO jobs (kind, state, attempts, max_attempts, locked_at, locked_by)
			VALUES ($1, 'running', $2, 3, `+lockedAt+`, 'ghost') RETURNING id`, kind, attempts); err != nil {
			t.Fatal(err)
		}
		return id
	}
	orphan := insert("ledger.sync", "now() - interval '1 hour'", 1) // reaped at start
	alive := insert("ledger.sync", "now()", 1)                      // within its lease
	foreign := insert("other.kind", "now() - interval '1 hour'", 1) // not our kind
	poison := insert("ledger.sync", "now() - interval '1 hour'", 3) // killed its worker on its last attempt
	start(t, r)
	late := insert("ledger.sync", "now() - interval '2 minutes'", 1) // reaped by the periodic reaper

	for _, id := range []int64{orphan, late} {
		j := waitState(t, db, id, "done")
		if j.Attempts != 2 || j.LockedBy.String != r.ID() {
			t.Errorf("reaped job %d = %+v, want done by %s in attempt 2", id, j, r.ID())
		}
	}
	if j := getJob(t, db, poison); j.State != "dead" || !strings.Contains(j.LastError, "lease expired") {
		t.Errorf("poison job = %+v, want dead with a lease error", j)
	}
	for _, id := range []int64{alive, foreign} {
		if j := getJob(t, db, id); j.State != "running" || j.LockedBy.String != "ghost" {
			t.Errorf("job %d = %+v, want still running by ghost", id, j)
		}
	}
	if !strings.Contains(logs.String(), "lease expired; job runs again") {
		t.Errorf("reap not logged:\n%s", logs)
	}
}

// TestStaleRunCannotFinish checks the fence on outcome updates: after the
// job was reaped and claimed again, the old run's outcome is dropped.
func TestStaleRunCannotFinish(t *testing.T) {
	t.Parallel()
	db, url := openDB(t)
	r, _ := newRunner(t, db, url)
	r.Handle("fence.test", func(context.Context, *Job) error { return nil })
	k := r.kinds["fence.test"]

	var c claimed
	if err := db.Get(&c, `INSERT INTO jobs (kind, state, attempts, locked_at, locked_by)
		VALUES ('fence.test', 'running', 1, now() - interval '1 minute', $1)
		RETURNING id, kind, payload, attempts, max_attempts, created_at, locked_at`, r.ID()); err != nil {
		t.Fatal(err)
	}
	// Reaped and claimed again by the same worker: locked_at moved on.
	db.MustExec(`UPDATE jobs SET attempts = 2, locked_at = now() WHERE id = $1`, c.ID)
	r.finish(k, &c, errBoom, false)
	if j := getJob(t, db, c.ID); j.State != "running" || j.Attempts != 2 || j.LastError != "" {
		t.Errorf("stale failure changed the job: %+v", j)
	}
	r.finish(k, &c, nil, false)
	if j := getJob(t, db, c.ID); j.State != "running" {
		t.Errorf("stale success finished the job: %+v", j)
	}
	// Claimed by someone else.
	if err := db.Get(&c.LockedAt, `UPDATE jobs SET locked_by = 'other' WHERE id = $1 RETURNING locked_at`, c.ID); err != nil {
		t.Fatal(err)
	}
	r.finish(k, &c, nil, false)
	if j := getJob(t, db, c.ID); j.State != "running" {
		t.Errorf("another worker's job was finished: %+v", j)
	}
	// The current claim does finish it.
	db.MustExec(`UPDATE jobs SET locked_by = $2 WHERE id = $1`, c.ID, r.ID())
	c.Attempt = 2
	r.finish(k, &c, nil, false)
	if j := getJob(t, db, c.ID); j.State != "done" {
		t.Errorf("current claim did not finish the job: %+v", j)
	}
}

// waitListening waits until the database has a session LISTENing on
// settle_jobs.
func waitListening(t testing.TB, r *Runner) {
	t.Helper()
	eventually(t, 10*time.Second, "runner LISTENs", func() bool {
		var n int
		if err := r.db.Get(&n, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND query ILIKE 'LISTEN%settle_jobs%'`); err != nil {
			t.Fatal(err)
		}
		return n > 0
	})
}

func TestWakeUpByNotify(t *testing.T) {
	t.Parallel()
	db, url := openDB(t)
	r, _ := newRunner(t, db, url)
	r.pollInterval = time.Hour // only NOTIFY, finishing handlers and known run_at wake it
	got := make(chan int64, 10)
	r.Handle("payment.received", func(ctx context.Context, job *Job) error {
		got <- job.ID
		return nil
	})
	start(t, r)
	waitListening(t, r)

	wait := func(id int64, what string) {
		t.Helper()
		select {
		case g := <-got:
			if g != id {
				t.Fatalf("ran job %d, want %d", g, id)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: job not started within 5 s with a 1 h poll interval", what)
		}
	}
	for i := range 3 {
		wait(enqueue(t, db, "payment.received", i), "NOTIFY")
	}
	// A job due shortly: no NOTIFY when it becomes due, so the runner must
	// have set its timer to the job's run_at.
	wait(enqueue(t, db, "payment.received", "soon", RunAt(time.Now().Add(300*time.Millisecond))), "run_at timer")
}

func TestPollingWhileListenerDown(t *testing.T) {
	t.Parallel()
	db, _ := openDB(t)
	// Nothing listens on port 1: the listener keeps failing to connect.
	r, logs := newRunner(t, db, "postgres://postgres@127.0.0.1:1/none?sslmode=disable&connect_timeout=1")
	r.Handle("poll.only", func(ctx context.Context, job *Job) error { return nil })
	start(t, r)
	waitState(t, db, enqueue(t, db, "poll.only", nil), "done")
	eventually(t, 10*time.Second, "listener failure logged", func() bool {
		return strings.Contains(logs.String(), "level=WARN msg=\"jobs: listener connectionAttemptFailed")
	})
}

func TestConcurrencyLimit(t *testing.T) {
	t.Parallel()
	db, url := openDB(t)
	r, _ := newRunner(t, db, url)
	var active, peak atomic.Int32
	r.Handle("slow.job", func(ctx context.Context, job *Job) error {
		n := active.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
		active.Add(-1)
		return nil
	}, Concurrency(2))
	for range 12 {
		enqueue(t, db, "slow.job", nil)
	}
	start(t, r)
	eventually(t, 10*time.Second, "all done", func() bool { return countJobs(t, db, "state = 'done'") == 12 })
	if p := peak.Load(); p > 2 {
		t.Errorf("%d handlers ran at once, want at most 2", p)
	}
	t.Logf("peak concurrency %d", peak.Load())
}

func TestGracefulStop(t *testing.T) {
	t.Parallel()
	db, url := openDB(t)
	r, _ := newRunner(t, db, url)
	started, release := make(chan struct{}), make(chan struct{})
	r.Handle("long.job", func(ctx context.Context, job *Job) error {
		close(started)
		<-release // ignores ctx: must not be cut short within the grace period
		return nil
	})
	stop := start(t, r)
	id := enqueue(t, db, "long.job", nil)
	<-started

	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	select {
	case err := <-stopped:
		t.Fatalf("Run returned (%v) while a handler was still running", err)
	case <-time.After(200 * time.Millisecond):
	}
	close(release)
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatalf("Run = %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after the handler finished")
	}
	if j := getJob(t, db, id); j.State != "done" {
		t.Errorf("job = %+v, want done", j)
	}
}

func TestGraceExpiryReleasesJob(t *testing.T) {
	t.Parallel()
	db, url := openDB(t)
	r, _ := newRunner(t, db, url)
	r.grace = 100 * time.Millisecond
	started := make(chan struct{})
	r.Handle("stuck.job", func(ctx context.Context, job *Job) error {
		close(started)
		<-ctx.Done()
		return ctx.Err()
	})
	stop := start(t, r)
	id := enqueue(t, db, "stuck.job", nil)
	<-started
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	j := getJob(t, db, id)
	if j.State != "pending" || j.Attempts != 0 || !strings.Contains(j.LastError, "interrupted by shutdown") {
		t.Errorf("job = %+v, want pending again with its attempt given back", j)
	}
}

func TestLeaseIsHandlerDeadline(t *testing.T) {
	t.Parallel()
	db, url := openDB(t)
	r, _ := newRunner(t, db, url)
	r.Handle("lease.job", func(ctx context.Context, job *Job) error {
		dl, ok := ctx.Deadline()
		if !ok || time.Until(dl) > 2*time.Second {
			return Permanent(fmt.Errorf("deadline %v, %v", dl, ok))
		}
		<-ctx.Done()
		return Permanent(ctx.Err())
	}, Lease(time.Second))
	start(t, r)
	j := waitState(t, db, enqueue(t, db, "lease.job", nil), "dead")
	if j.LastError != context.DeadlineExceeded.Error() {
		t.Errorf("last_error = %q, want the lease deadline", j.LastError)
	}
}

func TestStatsAndPrune(t *testing.T) {
	t.Parallel()
	db, _ := openDB(t)
	db.MustExec(`INSERT INTO jobs (kind, state, finished_at) VALUES
		('a.kind', 'pending', NULL), ('a.kind', 'pending', NULL), ('a.kind', 'running', NULL),
		('a.kind', 'done', now() - interval '2 days'), ('a.kind', 'done', now()),
		('b.kind', 'done', now() - interval '3 days'), ('b.kind', 'dead', now() - interval '3 days')`)
	ctx := context.Background()
	stats, err := Stats(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]int{
		"a.kind": {"pending": 2, "running": 1, "done": 2},
		"b.kind": {"done": 1, "dead": 1},
	}
	if fmt.Sprint(stats) != fmt.Sprint(want) {
		t.Errorf("Stats = %v, want %v", stats, want)
	}
	n, err := Prune(ctx, db, time.Now().Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("Prune deleted %d, want 2", n)
	}
	// In batches: all of them, across several DELETEs.
	db.MustExec(`INSERT INTO jobs (kind, state, finished_at) SELECT 'c.kind', 'done', now() - interval '2 days' FROM generate_series(1, 7)`)
	if n, err := prune(ctx, db, time.Now().Add(-24*time.Hour), 3); err != nil || n != 7 {
		t.Errorf("prune in batches of 3 = %d, %v; want 7", n, err)
	}
	stats, _ = Stats(ctx, db)
	want["a.kind"]["done"], want["b.kind"] = 1, map[string]int{"dead": 1}
	if fmt.Sprint(stats) != fmt.Sprint(want) {
		t.Errorf("after Prune: Stats = %v, want %v", stats, want)
	}
}

func TestHandleMisuse(t *testing.T) {
	nop := func(context.Context, *Job) error { return nil }
	cases := map[string]func(r *Runner){
		"invalid kind":  func(r *Runner) { r.Handle("Bad-Kind", nop) },
		"nil handler":   func(r *Runner) { r.Handle("a.kind", nil) },
		"registered 2x": func(r *Runner) { r.Handle("a.kind", nop); r.Handle("a.kind", nop) },
		"concurrency 0": func(r *Runner) { r.Handle("a.kind", nop, Concurrency(0)) },
		"lease 0":       func(r *Runner) { r.Handle("a.kind", nop, Lease(0)) },
		"nil backoff":   func(r *Runner) { r.Handle("a.kind", nop, Backoff(nil)) },
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f(New(nil, "", nil))
		})
	}
	if err := New(nil, "", nil).Run(context.Background()); err == nil {
		t.Error("Run without handlers: no error")
	}
}

func TestDefaultBackoff(t *testing.T) {
	for _, c := range []struct {
		attempt int
		base    time.Duration
	}{{0, 2 * time.Second}, {1, 2 * time.Second}, {3, 8 * time.Second}, {11, 2048 * time.Second}, {12, time.Hour}, {1000, time.Hour}} {
		for range 50 {
			d := defaultBackoff(c.attempt)
			if d < c.base*8/10 || d > c.base*12/10 {
				t.Fatalf("defaultBackoff(%d) = %v, want %v ±20 %%", c.attempt, d, c.base)
			}
		}
	}
}

func TestErrorText(t *testing.T) {
	long := errors.New(strings.Repeat("ä", 3000))
	s := errorText(long)
	if n := utf8.RuneCountInString(s); n != maxErrorLen || !strings.HasSuffix(s, "…") {
		t.Errorf("long error: %d characters, want %d ending in …", n, maxErrorLen)
	}
	if s := errorText(errors.New("bad \xff byte and \x00 nul")); !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
		t.Errorf("errorText = %q, want valid UTF-8 without NUL", s)
	}
	if s := errorText(errBoom); s != "boom" {
		t.Errorf("errorText = %q", s)
	}
}

// TestOddErrorStored checks that an error PostgreSQL would reject as text
// is still recorded.
func TestOddErrorStored(t *testing.T) {
	t.Parallel()
	db, url := openDB(t)
	r, _ := newRunner(t, db, url)
	r.Handle("odd.error", func(ctx context.Context, job *Job) error {
		return Permanent(errors.New("nul \x00 and \xff" + strings.Repeat("x", 5000)))
	})
	start(t, r)
	j := waitState(t, db, enqueue(t, db, "odd.error", nil), "dead")
	if utf8.RuneCountInString(j.LastError) != maxErrorLen || !strings.HasPrefix(j.LastError, "nul  and \uFFFD") {
		t.Errorf("last_error = %.40q… (%d characters)", j.LastError, utf8.RuneCountInString(j.LastError))
	}
}

const crashWorkerEnv = "JOBS_TEST_CRASH_WORKER_URL"

// crashWorker runs a Runner whose handler announces the job on stdout and
// then hangs until the process is killed.
func crashWorker(url string) {
	db, err := sqlx.Open("postgres", url)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	r := New(db, url, nil)
	r.Handle("crash.test", func(ctx context.Context, job *Job) error {
		fmt.Printf("started %d %s\n", job.ID, r.ID())
		select {} // until SIGKILL
	}, Lease(time.Second))
	_ = r.Run(context.Background())
	os.Exit(2)
}

// TestKill9MidJob kills a worker process with SIGKILL while its handler
// runs; once the lease has expired another Runner runs the job again.
func TestKill9MidJob(t *testing.T) {
	t.Parallel()
	db, url := openDB(t)
	id := enqueue(t, db, "crash.test", nil)

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashWorkerEnv+"="+url)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		lines <- line
	}()
	var child string
	select {
	case line := <-lines:
		var got int64
		if _, err := fmt.Sscanf(line, "started %d %s", &got, &child); err != nil || got != id {
			t.Fatalf("child said %q, want started %d", line, id)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("child did not start the job within 10 s")
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if j := getJob(t, db, id); j.State != "running" || j.LockedBy.String != child {
		t.Fatalf("after kill -9: %+v, want running, locked by %s", j, child)
	}

	r, _ := newRunner(t, db, url)
	r.reapInterval = 100 * time.Millisecond
	ran := make(chan int, 1)
	r.Handle("crash.test", func(ctx context.Context, job *Job) error {
		ran <- job.Attempt
		return nil
	}, Lease(time.Second))
	start(t, r)
	j := waitState(t, db, id, "done")
	if a := <-ran; a != 2 || j.Attempts != 2 || j.LockedBy.String != r.ID() {
		t.Errorf("rerun: handler attempt %d, job %+v; want attempt 2 by %s", a, j, r.ID())
	}
}
