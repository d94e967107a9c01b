package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Job is one unit of work as a handler sees it.
type Job struct {
	ID          int64           `db:"id"`
	Kind        string          `db:"kind"`
	Payload     json.RawMessage `db:"payload"`
	Attempt     int             `db:"attempts"` // 1 on the first run
	MaxAttempts int             `db:"max_attempts"`
	CreatedAt   time.Time       `db:"created_at"`
}

// Handler does one job. A nil error marks it done. An error retries it
// later (the kind's backoff, or the time a RetryAt error names) until its
// attempts run out; then it is dead. A Permanent error kills it at once.
type Handler func(ctx context.Context, job *Job) error

// Option tunes Enqueue.
type Option func(*enqueueOpts)

type enqueueOpts struct {
	runAt       time.Time
	uniqueKey   string
	maxAttempts int
}

// RunAt delays the job until t.
func RunAt(t time.Time) Option { return func(o *enqueueOpts) { o.runAt = t } }

// UniqueKey makes Enqueue a no-op when a job with the key already exists
// (in any state): at-most-once enqueueing for derived work.
func UniqueKey(k string) Option { return func(o *enqueueOpts) { o.uniqueKey = k } }

// MaxAttempts sets how many runs the job gets before it is dead (default 10).
func MaxAttempts(n int) Option { return func(o *enqueueOpts) { o.maxAttempts = n } }

// Enqueue inserts a job through q, which may be a transaction: then the
// job exists exactly when the transaction commits (transactional outbox).
// It returns the job id, or 0 when UniqueKey found an existing job.
func Enqueue(ctx context.Context, q sqlx.ExtContext, kind string, payload any, opts ...Option) (int64, error) {
	o := enqueueOpts{maxAttempts: 10}
	for _, f := range opts {
		f(&o)
	}
	raw, err := json.Marshal(payload)
	if err != nil {
		return 0, fmt.Errorf("jobs.Enqueue(%s): %w", kind, err)
	}
	var runAt, unique any
	if !o.runAt.IsZero() {
		runAt = o.runAt
	}
	if o.uniqueKey != "" {
		unique = o.uniqueKey
	}
	var id int64
	err = sqlx.GetContext(ctx, q, &id, `INSERT INTO jobs (kind, payload, max_attempts, run_at, unique_key)
		VALUES ($1, $2, $3, COALESCE($4, now()), $5)
		ON CONFLICT (unique_key) DO NOTHING RETURNING id`, kind, raw, o.maxAttempts, runAt, unique)
	if errors.Is(err, errNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("jobs.Enqueue(%s): %w", kind, err)
	}
	return id, nil
}

// RetryAtError asks for the next attempt at a given time (a webhook's
// Retry-After, a schedule of its own).
type RetryAtError struct {
	At  time.Time
	Err error
}

func (e *RetryAtError) Error() string { return e.Err.Error() }
func (e *RetryAtError) Unwrap() error { return e.Err }

// RetryAt wraps err to retry at t.
func RetryAt(t time.Time, err error) error { return &RetryAtError{At: t, Err: err} }

// PermanentError marks a failure that no retry will fix.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent wraps err so the job goes dead at once.
func Permanent(err error) error { return &PermanentError{Err: err} }
