// Package jobs is Settle's durable job queue on PostgreSQL: the jobs table
// (migration 00003), Enqueue to add work, and a Runner that claims and runs
// it.
//
// # Enqueueing
//
// Enqueue inserts a row through any sqlx.ExtContext. Inside a transaction
// the job exists exactly when the transaction commits, so a state change and
// the work it causes (a webhook, an email) are recorded together or not at
// all. UniqueKey makes enqueueing derived work idempotent; the key stays
// taken until the job is pruned.
//
// # Running
//
//	r := jobs.New(db, databaseURL, logger)
//	r.Handle("webhook.deliver", deliver, jobs.Concurrency(8), jobs.Lease(time.Minute))
//	err := r.Run(ctx) // until ctx is done
//
// A Runner claims due jobs of its kinds with one UPDATE … WHERE id =
// ANY(ARRAY(SELECT … FOR UPDATE SKIP LOCKED)), so any number of Runners in
// any number of processes share the table without handing one claim to two
// workers; the same statement tells it when the earliest future job is due.
// It wakes up on NOTIFY settle_jobs (sent by a trigger when a job becomes
// pending, so work starts within milliseconds of the commit), when one of its
// handlers finishes while the kind's last claim filled every free slot (so
// more may be waiting), at the run_at of the earliest future job it knows
// of, and on a 1 s fallback poll, which also carries on while the LISTEN
// connection is down and reconnecting. Concurrency limits each kind per
// Runner. The claim and the outcome updates are prepared statements.
//
// # Guarantees
//
// Delivery is at least once. A job is marked done only after its handler
// returned nil, so a worker that dies mid-job (kill -9, OOM, a lost machine)
// leaves the job 'running'; once the kind's Lease has passed, a Runner's
// reaper (at start and every 30 s) puts it back to pending and it runs again.
// The run that died counts as an attempt: a job that kills its worker on every
// run ends dead. A handler can therefore run more than once for one job —
// also when its worker was alive but slower than the lease, or when the
// database could not record the outcome — so handlers must be idempotent:
// key side effects on the job (its ID or a key in the payload), check before
// acting, or make the side effect itself idempotent (an Idempotency-Key
// header, an upsert).
//
// Outcome updates check that the worker's claim still stands (state
// 'running', locked_by and locked_at unchanged): a run whose job was reaped
// and claimed again cannot finish it a second time.
//
// # Failure
//
// A handler error retries the job after the kind's Backoff (default 2^attempt
// seconds, capped at 1 h, ±20 % jitter) or at the time a RetryAt error names,
// until MaxAttempts runs were used; then the job is dead and an error line is
// logged. A Permanent error kills the job at once. A panic counts as an
// error, with its stack logged. last_error holds the latest error (2000
// characters at most). Retry revives a dead job; Stats counts jobs by kind
// and state; Prune deletes old done jobs.
//
// The handler's context ends after the kind's Lease. When Run's context is
// done, the Runner stops claiming and gives running handlers 10 s before it
// cancels their contexts; a job interrupted that way goes back to pending
// without using up an attempt.
//
// Only the order of claims follows run_at; jobs run concurrently and a retry
// goes to the back, so the queue gives no ordering guarantee between jobs.
package jobs
