package main

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/settle/settle/internal/autopay"
	"github.com/settle/settle/internal/jobs"
	"github.com/settle/settle/internal/plans"
)

// Periodic work of payment plans.
const (
	chargeEvery    = 5 * time.Minute // autopay: place the charges that are due
	lifecycleEvery = time.Hour       // reminders and broken plans (daily rules; hourly keeps them prompt)
)

// handlePlans registers the payment plans' jobs: autopay (the charge
// run, each charge, revocations at Mollie) and the plan lifecycle. The
// two runs are periodic jobs that schedule their next run themselves.
func (m *Main) handlePlans(r *jobs.Runner, db *sqlx.DB) error {
	if m.Autopay != nil {
		for kind, h := range m.Autopay.Handlers() {
			switch kind {
			case autopay.KindDueJob:
				periodic(r, db, kind, chargeEvery, h)
			case autopay.KindChargeJob:
				// One Mollie call each (15 s at most): the lease is well above it.
				r.Handle(kind, h, jobs.Concurrency(4), jobs.Lease(time.Minute), jobs.Backoff(autopay.ChargeBackoff))
			default:
				r.Handle(kind, h, jobs.Concurrency(2), jobs.Lease(2*time.Minute), jobs.Backoff(autopay.ChargeBackoff))
			}
		}
	}
	if m.Plans != nil {
		periodic(r, db, plans.KindLifecycleJob, lifecycleEvery, func(ctx context.Context, _ *jobs.Job) error {
			reminded, broken, err := m.Plans.Lifecycle(ctx)
			if reminded+broken > 0 {
				m.Log.InfoContext(ctx, "plan lifecycle", "reminded", reminded, "broken", broken)
			}
			return err
		})
	}
	seeds := []periodicKind{{plans.KindLifecycleJob, lifecycleEvery}}
	if m.Autopay != nil {
		seeds = append(seeds, periodicKind{autopay.KindDueJob, chargeEvery})
	}
	// The main pool: Runner holds the worker pool's connections until it
	// returns (it opens them ahead).
	return seedPeriodic(m.DB, seeds)
}

type periodicKind struct {
	kind  string
	every time.Duration
}

// periodic registers a job kind that runs every interval, on one worker
// of however many share the database: each run first enqueues the next
// one, keyed by its time slot (jobs.UniqueKey), so the schedule goes on
// after a failed run, and workers that start later add nothing.
func periodic(r *jobs.Runner, db *sqlx.DB, kind string, every time.Duration, h jobs.Handler) {
	r.Handle(kind, func(ctx context.Context, job *jobs.Job) error {
		if err := enqueueSlot(ctx, db, kind, every, time.Now().Add(every)); err != nil {
			return err
		}
		return h(ctx, job)
	}, jobs.Concurrency(1), jobs.Lease(10*time.Minute))
}

// seedPeriodic enqueues the current slot of periodic kinds, so a fresh
// database (or one whose schedule stopped) starts at once.
func seedPeriodic(db *sqlx.DB, kinds []periodicKind) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, k := range kinds {
		if err := enqueueSlot(ctx, db, k.kind, k.every, time.Now()); err != nil {
			return err
		}
	}
	return nil
}

// enqueueSlot enqueues the run of kind for the time slot at t (once).
func enqueueSlot(ctx context.Context, db *sqlx.DB, kind string, every time.Duration, t time.Time) error {
	slot := t.Truncate(every)
	_, err := jobs.Enqueue(ctx, db, kind, map[string]any{"slot": slot.UTC().Format(time.RFC3339)},
		jobs.RunAt(slot), jobs.UniqueKey(fmt.Sprintf("%s:%d", kind, slot.Unix())), jobs.MaxAttempts(3))
	return err
}
