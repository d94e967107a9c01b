package jobs

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"os"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

const (
	// notifyChannel is the channel the jobs_notify trigger sends the kind of
	// every job that becomes pending on.
	notifyChannel = "settle_jobs"

	defaultConcurrency = 4
	defaultLease       = 5 * time.Minute
	maxBackoff         = time.Hour

	// maxErrorLen is how many characters of a handler's error last_error keeps.
	maxErrorLen = 2000

	// stmtTimeout bounds the runner's own statements (claims, state updates).
	stmtTimeout = 30 * time.Second
)

// kindRE mirrors the CHECK constraint on jobs.kind.
var kindRE = regexp.MustCompile(`^[a-z_.]+$`)

// KindOption tunes how a Runner runs the jobs of one kind (see Handle).
type KindOption func(*kindConfig)

type kindConfig struct {
	backoff     func(attempt int) time.Duration
	concurrency int
	lease       time.Duration
}

// Backoff sets the delay before the next attempt after attempt number
// attempt (1 for the first run) failed. The default is 2^attempt seconds,
// capped at one hour, with ±20 % jitter.
func Backoff(f func(attempt int) time.Duration) KindOption {
	return func(c *kindConfig) { c.backoff = f }
}

// Concurrency sets how many jobs of the kind one Runner runs at a time
// (default 4). It is a per-process limit, not a global one.
func Concurrency(n int) KindOption {
	return func(c *kindConfig) { c.concurrency = n }
}

// Lease sets how long a claimed job of the kind may run (default 5 min). The
// handler's context expires after it, and a job still 'running' after it is
// presumed to belong to a dead worker and is run again. Choose it well above
// the handler's longest legitimate run.
func Lease(d time.Duration) KindOption {
	return func(c *kindConfig) { c.lease = d }
}

// defaultBackoff is 2^attempt seconds, capped at maxBackoff, ±20 % jitter.
func defaultBackoff(attempt int) time.Duration {
	attempt = max(attempt, 1)
	d := maxBackoff
	if attempt < 12 { // 2^12 s > 1 h
		d = min(time.Duration(1<<attempt)*time.Second, maxBackoff)
	}
	return time.Duration(float64(d) * (0.8 + 0.4*mrand.Float64()))
}

type kind struct {
	name    string
	handler Handler
	kindConfig
	inflight int // guarded by Runner.mu
	// backlog: the kind's last claim filled every slot it asked for, so
	// more jobs may be due; a finishing handler then looks for them. When
	// the last claim came back short the queue was drained, and new jobs
	// announce themselves by NOTIFY. Guarded by Runner.mu.
	backlog bool
}

// Runner claims jobs of the kinds it has handlers for and runs them. Any
// number of Runners, in one process or many, may share a database.
type Runner struct {
	db  *sqlx.DB
	dsn string
	log *slog.Logger
	id  string

	// Timings; tests shorten or lengthen them before Run.
	pollInterval time.Duration // fallback poll when no NOTIFY arrives
	reapInterval time.Duration // how often expired leases are looked for
	grace        time.Duration // how long Run waits for handlers once ctx is done
	abandonAfter time.Duration // how long it then waits for cancelled handlers

	wake chan struct{} // capacity 1: a pending wake-up

	claimFailures int    // consecutive; only the Run loop touches it
	claimSQL      string // claimSQL for the kinds; set by Run

	stmts stmts

	mu      sync.Mutex
	kinds   map[string]*kind
	started bool
	onStop  []func()
}

// New returns a Runner that claims and updates jobs through db and listens
// for NOTIFY settle_jobs on a connection of its own to dsn. log may be nil.
func New(db *sqlx.DB, dsn string, log *slog.Logger) *Runner {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	id := workerID()
	return &Runner{
		db:           db,
		dsn:          dsn,
		log:          log.With("worker", id),
		id:           id,
		pollInterval: time.Second,
		reapInterval: 30 * time.Second,
		grace:        10 * time.Second,
		abandonAfter: 5 * time.Second,
		wake:         make(chan struct{}, 1),
		kinds:        make(map[string]*kind),
		stmts:        stmts{db: db},
	}
}

var (
	hostOnce sync.Once
	hostName string
)

// workerID is hostname:pid:random; the random part tells apart several
// Runners in one process and a restarted process that got the same pid.
func workerID() string {
	hostOnce.Do(func() {
		hostName, _ = os.Hostname()
		if hostName == "" {
			hostName = "unknown"
		}
	})
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s:%d:%s", hostName, os.Getpid(), hex.EncodeToString(b[:]))
}

// ID returns the worker id the Runner writes to jobs.locked_by.
func (r *Runner) ID() string { return r.id }

// Handle registers the handler of a kind. Call it before Run. It panics on
// an invalid kind or option and on a kind registered twice, like
// http.ServeMux does on a bad pattern.
func (r *Runner) Handle(kindName string, h Handler, opts ...KindOption) {
	if !kindRE.MatchString(kindName) {
		panic(fmt.Sprintf("jobs: Handle(%q): a kind matches [a-z_.]+", kindName))
	}
	if h == nil {
		panic(fmt.Sprintf("jobs: Handle(%q): nil handler", kindName))
	}
	cfg := kindConfig{backoff: defaultBackoff, concurrency: defaultConcurrency, lease: defaultLease}
	for _, o := range opts {
		o(&cfg)
	}
	switch {
	case cfg.backoff == nil:
		panic(fmt.Sprintf("jobs: Handle(%q): nil Backoff", kindName))
	case cfg.concurrency < 1:
		panic(fmt.Sprintf("jobs: Handle(%q): Concurrency(%d) < 1", kindName, cfg.concurrency))
	case cfg.lease <= 0:
		panic(fmt.Sprintf("jobs: Handle(%q): Lease(%v) <= 0", kindName, cfg.lease))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.started {
		panic(fmt.Sprintf("jobs: Handle(%q) after Run", kindName))
	}
	if _, dup := r.kinds[kindName]; dup {
		panic(fmt.Sprintf("jobs: Handle(%q): kind registered twice", kindName))
	}
	r.kinds[kindName] = &kind{name: kindName, handler: h, kindConfig: cfg}
}

// OnStop registers f to run when Run returns, after the handlers finished
// (or were abandoned after the grace period): to close a connection pool
// of the Runner's own, say. Call it before Run.
func (r *Runner) OnStop(f func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.started {
		panic("jobs: OnStop after Run")
	}
	r.onStop = append(r.onStop, f)
}

// Run claims and runs jobs of the registered kinds until ctx is done. Then
// it stops claiming, waits up to 10 s for running handlers, cancels the
// contexts of those still running, and returns nil. A handler that fails
// because of that cancellation gives its job back without using up an
// attempt. Run may be called once.
func (r *Runner) Run(ctx context.Context) error {
	r.mu.Lock()
	if r.started {
		r.mu.Unlock()
		return errors.New("jobs: Runner.Run called twice")
	}
	if len(r.kinds) == 0 {
		r.mu.Unlock()
		return errors.New("jobs: Runner.Run without handlers")
	}
	r.started = true
	r.mu.Unlock()

	// r.kinds is read-only from here on.
	kinds := make([]*kind, 0, len(r.kinds))
	for _, k := range r.kinds {
		kinds = append(kinds, k)
	}
	slices.SortFunc(kinds, func(a, b *kind) int { return strings.Compare(a.name, b.name) })
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = k.name
	}

	r.claimSQL = claimSQL(len(kinds))

	stopListening := r.listen()
	defer stopListening()

	// Handlers outlive ctx by the grace period; hctx is cancelled after it.
	hctx, cancelHandlers := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelHandlers()
	var wg sync.WaitGroup

	r.log.Info("jobs: runner started", "kinds", names)
	r.reap(ctx)
	reapTick := time.NewTicker(r.reapInterval)
	defer reapTick.Stop()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for ctx.Err() == nil {
		wait := r.pollInterval
		if next, ok := r.claim(ctx, hctx, &wg, kinds); ok && next < wait {
			wait = next
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
		case <-r.wake:
		case <-timer.C:
		case <-reapTick.C:
			r.reap(ctx)
		}
	}

	stopListening()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	if n := r.running(kinds); n > 0 {
		r.log.Info("jobs: stopping; waiting for running jobs", "running", n, "grace", r.grace)
	}
	select {
	case <-done:
	case <-time.After(r.grace):
		r.log.Warn("jobs: grace period over; cancelling running jobs", "running", r.running(kinds))
		cancelHandlers()
		select {
		case <-done:
		case <-time.After(r.abandonAfter):
			r.log.Error("jobs: handlers ignore cancellation; abandoning them (their jobs run again once their lease expires)",
				"running", r.running(kinds))
		}
	}
	r.stmts.close()
	for _, f := range r.onStop {
		f()
	}
	r.log.Info("jobs: runner stopped")
	return nil
}

// running counts the jobs the Runner's handlers are running.
func (r *Runner) running(kinds []*kind) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, k := range kinds {
		n += k.inflight
	}
	return n
}

// poke asks the Run loop to look for work now.
func (r *Runner) poke() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// listen starts a LISTEN settle_jobs connection that pokes the Run loop on
// every notification for one of its kinds. pq.Listener reconnects by
// itself; while it is down the Run loop keeps polling. The returned stop
// func is idempotent.
func (r *Runner) listen() (stop func()) {
	connected := false // only touched by the listener's goroutine
	l := pq.NewListener(r.dsn, time.Second, time.Minute, func(ev pq.ListenerEventType, err error) {
		if ev == pq.ListenerEventConnected && !connected {
			connected = true
			r.log.Info("jobs: listening for notifications", "channel", notifyChannel)
			return
		}
		r.log.Warn("jobs: listener "+ev.String()+"; polling meanwhile", "channel", notifyChannel, "error", err)
	})
	go func() {
		// Blocks until the first connection is up or l is closed.
		if err := l.Listen(notifyChannel); err != nil && !errors.Is(err, net.ErrClosed) {
			r.log.Warn("jobs: LISTEN failed; polling only", "channel", notifyChannel, "error", err)
		}
	}()
	go func() {
		// Ping now and then, as pq recommends, so that a silently dead
		// connection is noticed and replaced.
		ping := time.NewTicker(time.Minute)
		defer ping.Stop()
		for {
			select {
			case n, ok := <-l.Notify:
				if !ok { // closed after l.Close
					return
				}
				// nil after a reconnect: notifications may have been lost.
				if n == nil || r.kinds[n.Extra] != nil {
					r.poke()
				}
			case <-ping.C:
				go func() { _ = l.Ping() }()
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { _ = l.Close() }) }
}

// claimed is a job as the claim returns it.
type claimed struct {
	Job
	LockedAt time.Time `db:"locked_at"`
}

// claimSQL returns the claim for a Runner with nkinds kinds: $1 is the
// worker id, and for the i-th kind (from 0) it claims up to $(2i+3) due
// jobs of kind $(2i+2), oldest run_at first, skipping rows other workers
// are claiming right now. The ids are collected with
// = ANY(ARRAY(…)), not IN (…): that runs the locking subquery exactly once,
// as an InitPlan, and finds the rows through the primary key; with IN the
// planner expects many rows and hash-joins against a scan of the whole
// table, done jobs included.
//
// In the same round trip it measures, on the database's clock, the seconds
// until the earliest future job of the kinds (next_secs, NULL when there is
// none): the claimed jobs were due, so they are not among them. The result
// has one row per claimed job, or a single row of NULLs but next_secs when
// nothing was claimed.
//
// Every kind is passed on every claim (a full kind with 0), as a VALUES
// list of fixed length rather than arrays: the planner then knows the
// number of kinds without seeing the values, so the prepared statement's
// generic plan costs what a custom one does and PostgreSQL settles on it
// instead of planning every claim anew (planning costs more than running
// it).
func claimSQL(nkinds int) string {
	var values strings.Builder
	for i := range nkinds {
		if i > 0 {
			values.WriteString(", ")
		}
		fmt.Fprintf(&values, "($%d::text, $%d::int)", 2*i+2, 2*i+3)
	}
	return `
WITH k(kind, n) AS (VALUES ` + values.String() + `),
claimed AS (
	UPDATE jobs j SET state = 'running', attempts = j.attempts + 1, locked_at = now(), locked_by = $1
	WHERE j.id = ANY(ARRAY(
		SELECT c.id
		FROM k, LATERAL (
			SELECT id FROM jobs
			WHERE state = 'pending' AND run_at <= now() AND kind = k.kind
			ORDER BY run_at, id
			LIMIT k.n
			FOR UPDATE SKIP LOCKED
		) c
	))
	RETURNING j.id, j.kind, j.payload, j.attempts, j.max_attempts, j.created_at, j.locked_at, j.run_at
), next AS (
	SELECT EXTRACT(epoch FROM min(n.run_at) - now())::float8 AS secs
	FROM k, LATERAL (
		SELECT run_at FROM jobs
		WHERE state = 'pending' AND kind = k.kind AND run_at > now()
		ORDER BY run_at LIMIT 1
	) n
)
SELECT c.id, c.kind, c.payload, c.attempts, c.max_attempts, c.created_at, c.locked_at, c.run_at, next.secs AS next_secs
FROM next LEFT JOIN claimed c ON true`
}

// claimRow is a row of claimSQL.
type claimRow struct {
	ID          sql.NullInt64   `db:"id"`
	Kind        sql.NullString  `db:"kind"`
	Payload     []byte          `db:"payload"`
	Attempts    sql.NullInt64   `db:"attempts"`
	MaxAttempts sql.NullInt64   `db:"max_attempts"`
	CreatedAt   sql.NullTime    `db:"created_at"`
	LockedAt    sql.NullTime    `db:"locked_at"`
	RunAt       sql.NullTime    `db:"run_at"`
	NextSecs    sql.NullFloat64 `db:"next_secs"`
}

// claim claims due jobs for the kinds with free slots and starts them. It
// returns how long until the next known future job, if there is one.
func (r *Runner) claim(ctx, hctx context.Context, wg *sync.WaitGroup, kinds []*kind) (time.Duration, bool) {
	args := make([]any, 1, 1+2*len(kinds))
	args[0] = r.id
	free := make(map[string]int, len(kinds))
	total := 0
	r.mu.Lock()
	for _, k := range kinds {
		n := max(k.concurrency-k.inflight, 0)
		args = append(args, k.name, n)
		if n > 0 {
			free[k.name] = n
			total += n
		}
	}
	r.mu.Unlock()
	if total == 0 {
		return 0, false // a finishing handler wakes us
	}

	// Once the claim is sent it must not be cancelled: the UPDATE might
	// commit while its rows are lost to us, leaving the jobs 'running'
	// until their lease expires.
	qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stmtTimeout)
	defer cancel()
	var rows []claimRow
	if err := r.stmts.selectContext(qctx, &rows, r.claimSQL, args...); err != nil {
		// Once per outage and then every 100 failures, not every poll.
		if r.claimFailures++; r.claimFailures%100 == 1 {
			r.log.Error("jobs: claim failed; retrying", "error", err, "failures", r.claimFailures)
		}
		return 0, false
	}
	if r.claimFailures > 0 {
		r.log.Info("jobs: claims work again", "failures", r.claimFailures)
		r.claimFailures = 0
	}
	type job struct {
		*claimed
		runAt time.Time
	}
	var next sql.NullFloat64
	jobs := make([]job, 0, len(rows))
	for _, row := range rows {
		next = row.NextSecs
		if !row.ID.Valid {
			continue // nothing claimed
		}
		jobs = append(jobs, job{claimed: &claimed{Job: Job{ID: row.ID.Int64, Kind: row.Kind.String, Payload: row.Payload,
			Attempt: int(row.Attempts.Int64), MaxAttempts: int(row.MaxAttempts.Int64), CreatedAt: row.CreatedAt.Time},
			LockedAt: row.LockedAt.Time}, runAt: row.RunAt.Time})
	}
	slices.SortFunc(jobs, func(a, b job) int {
		if c := a.runAt.Compare(b.runAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	got := make(map[string]int, len(free))
	for _, j := range jobs {
		got[j.Kind]++
	}
	r.mu.Lock()
	for name, n := range free {
		r.kinds[name].backlog = got[name] >= n
	}
	r.mu.Unlock()
	for _, j := range jobs {
		k := r.kinds[j.Kind]
		r.mu.Lock()
		k.inflight++
		r.mu.Unlock()
		wg.Add(1)
		go r.run(hctx, wg, k, j.claimed)
	}
	if len(jobs) == total || ctx.Err() != nil || !next.Valid {
		return 0, false // full (a finishing handler wakes us), stopping, or no future job
	}
	return max(time.Duration(next.Float64*float64(time.Second)), time.Millisecond), true
}

var errGoexit = errors.New("handler called runtime.Goexit")

// run runs one claimed job and records its outcome.
func (r *Runner) run(hctx context.Context, wg *sync.WaitGroup, k *kind, c *claimed) {
	err := errGoexit // unless the handler returns
	defer func() {
		r.finish(k, c, err, hctx.Err() != nil)
		r.mu.Lock()
		k.inflight--
		backlog := k.backlog
		r.mu.Unlock()
		if backlog {
			r.poke() // claim the next job into the freed slot
		}
		wg.Done()
	}()
	err = r.call(hctx, k, &c.Job)
}

// call runs the handler under the kind's lease and turns a panic into an
// error.
func (r *Runner) call(hctx context.Context, k *kind, job *Job) (err error) {
	ctx, cancel := context.WithTimeout(hctx, k.lease)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
			r.log.Error("jobs: handler panicked", "job", job.ID, "kind", job.Kind, "attempt", job.Attempt,
				"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		}
	}()
	return k.handler(ctx, job)
}

// The outcome updates only touch the job while this worker's claim on it
// stands: a job that was reaped (and maybe claimed again, even by this very
// worker) is not finished by the stale run. locked_at is the claim's fencing
// token next to locked_by.
const (
	claimedBy = ` WHERE id = $1 AND state = 'running' AND locked_by = $2 AND locked_at = $3`

	doneSQL  = `UPDATE jobs SET state = 'done', finished_at = now(), last_error = ''` + claimedBy + ` RETURNING run_at`
	deadSQL  = `UPDATE jobs SET state = 'dead', finished_at = now(), last_error = $4` + claimedBy + ` RETURNING run_at`
	retrySQL = `UPDATE jobs SET state = 'pending', last_error = $4,
		run_at = COALESCE($5::timestamptz, now() + make_interval(secs => $6::float8))` + claimedBy + ` RETURNING run_at`
	// An interrupted run (shutdown) does not count as an attempt.
	releaseSQL = `UPDATE jobs SET state = 'pending', run_at = now(), attempts = attempts - 1, last_error = $4` + claimedBy + ` RETURNING run_at`
)

// finish records the outcome of a run: done, retry later, or dead.
func (r *Runner) finish(k *kind, c *claimed, herr error, interrupted bool) {
	log := r.log.With("job", c.ID, "kind", c.Kind, "attempt", c.Attempt, "max_attempts", c.MaxAttempts)
	var (
		perm    *PermanentError
		retryAt *RetryAtError
		query   string
		args    = []any{c.ID, r.id, c.LockedAt}
		msg     = errorText(herr)
	)
	switch {
	case herr == nil:
		query = doneSQL
	case interrupted:
		query = releaseSQL
		args = append(args, errorText(fmt.Errorf("interrupted by shutdown: %w", herr)))
	case errors.As(herr, &perm) || c.Attempt >= c.MaxAttempts:
		query = deadSQL
		args = append(args, msg)
	case errors.As(herr, &retryAt):
		query = retrySQL
		args = append(args, msg, retryAt.At, 0.0)
	default:
		query = retrySQL
		args = append(args, msg, nil, r.backoff(k, c.Attempt).Seconds())
	}

	runAt, err := r.update(query, args...)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		log.Warn("jobs: job lost its claim (lease expired) before it finished; this outcome is dropped, the job runs again",
			"error", herr)
		return
	case err != nil:
		log.Error("jobs: recording the outcome failed; the job runs again once its lease expires",
			"error", herr, "db_error", err)
		return
	}
	switch query {
	case doneSQL:
		log.Debug("jobs: job done")
	case releaseSQL:
		log.Warn("jobs: job interrupted by shutdown; it runs again", "error", herr)
	case deadSQL:
		log.Error("jobs: job is dead; fix the cause and revive it with jobs.Retry", "error", herr)
	case retrySQL:
		log.Warn("jobs: job failed; will retry", "error", herr, "run_at", runAt)
	}
}

// backoff asks the kind's Backoff for the delay after a failed attempt; a
// panic there (it runs outside the handler's recover) falls back to the
// default.
func (r *Runner) backoff(k *kind, attempt int) (d time.Duration) {
	defer func() {
		if p := recover(); p != nil {
			r.log.Error("jobs: Backoff panicked; using the default", "kind", k.name, "panic", fmt.Sprint(p))
			d = defaultBackoff(attempt)
		}
	}()
	return max(k.backoff(attempt), 0)
}

// update runs one outcome update, retrying a few times on database errors
// so that a short blip does not leave the job to the reaper. It returns
// sql.ErrNoRows when the claim no longer stands.
func (r *Runner) update(query string, args ...any) (time.Time, error) {
	ctx, cancel := context.WithTimeout(context.Background(), stmtTimeout)
	defer cancel()
	var runAt time.Time
	delay := 100 * time.Millisecond
	for {
		err := r.stmts.getContext(ctx, &runAt, query, args...)
		if err == nil || errors.Is(err, sql.ErrNoRows) || !retryable(err) {
			return runAt, err
		}
		select {
		case <-ctx.Done():
			return runAt, err
		case <-time.After(delay):
			delay = min(2*delay, 5*time.Second)
		}
	}
}

// retryable reports whether err is a database error that might go away:
// anything but a definite complaint about the statement itself.
func retryable(err error) bool {
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		switch pqErr.Code.Class() {
		case "08", "40", "53", "57": // connection, rollback, resources, operator intervention
			return true
		}
		return false
	}
	return true
}

// errorText makes err fit jobs.last_error: valid UTF-8 without NUL bytes
// (PostgreSQL text rejects both), at most maxErrorLen characters.
func errorText(err error) string {
	if err == nil {
		return ""
	}
	s := strings.ToValidUTF8(err.Error(), "\uFFFD")
	s = strings.ReplaceAll(s, "\x00", "")
	if utf8.RuneCountInString(s) <= maxErrorLen {
		return s
	}
	n := 0
	for i := range s {
		if n == maxErrorLen-1 {
			return s[:i] + "…"
		}
		n++
	}
	return s
}

// reapSQL gives back jobs whose worker held them longer than the kind's
// lease ($1[i] kinds, $2[i] lease seconds): pending to run again, or dead
// when that was their last attempt (a job that kills its worker every time
// must not loop forever).
const reapSQL = `
UPDATE jobs j SET
	state = CASE WHEN j.attempts >= j.max_attempts THEN 'dead' ELSE 'pending' END,
	finished_at = CASE WHEN j.attempts >= j.max_attempts THEN now() END,
	last_error = 'lease expired: worker ' || coalesce(j.locked_by, '?') || ' presumed dead'
FROM unnest($1::text[], $2::float8[]) AS l(kind, secs)
WHERE j.kind = l.kind AND j.state = 'running' AND j.locked_at < now() - make_interval(secs => l.secs)
RETURNING j.id, j.kind, j.state, j.attempts, coalesce(j.locked_by, '') AS locked_by`

// reap returns expired claims of this Runner's kinds. Only kinds it has a
// handler for: it knows their lease, and it could not run other kinds'
// jobs anyway (the Runner that can reaps them when it starts).
func (r *Runner) reap(ctx context.Context) {
	var names []string
	var secs []float64
	for _, k := range r.kinds {
		names = append(names, k.name)
		secs = append(secs, k.lease.Seconds())
	}
	var rows []struct {
		ID       int64  `db:"id"`
		Kind     string `db:"kind"`
		State    string `db:"state"`
		Attempts int    `db:"attempts"`
		LockedBy string `db:"locked_by"`
	}
	qctx, cancel := context.WithTimeout(ctx, stmtTimeout)
	defer cancel()
	if err := sqlx.SelectContext(qctx, r.db, &rows, reapSQL, pq.Array(names), pq.Array(secs)); err != nil {
		if ctx.Err() == nil {
			r.log.Error("jobs: reaping expired leases failed", "error", err)
		}
		return
	}
	for _, j := range rows {
		log := r.log.With("job", j.ID, "kind", j.Kind, "attempt", j.Attempts, "locked_by", j.LockedBy)
		if j.State == "dead" {
			log.Error("jobs: job is dead: its lease expired on its last attempt; fix the cause and revive it with jobs.Retry")
		} else {
			log.Warn("jobs: lease expired; job runs again")
		}
	}
	if len(rows) > 0 {
		r.poke()
	}
}
