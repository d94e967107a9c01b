package main

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/settle/settle/internal/jobs"
	"github.com/settle/settle/internal/promises"
)

// promisesEvery is how often the promise lifecycle runs: its rules are
// daily (a reminder the day before, kept or broken after the date);
// hourly keeps them prompt after midnight in any time zone.
const promisesEvery = time.Hour

// handlePromises registers the promise lifecycle (reminders, kept and
// broken promises) as a periodic job and seeds its first run.
func (m *Main) handlePromises(r *jobs.Runner, db *sqlx.DB) error {
	if m.Promises == nil {
		return nil
	}
	periodic(r, db, promises.KindLifecycleJob, promisesEvery, func(ctx context.Context, _ *jobs.Job) error {
		out, err := m.Promises.Lifecycle(ctx)
		if out.Any() {
			m.Log.InfoContext(ctx, "promise lifecycle", "reminded", out.Reminded, "kept", out.Kept,
				"broken", out.Broken, "cancelled", out.Cancelled)
		}
		return err
	})
	return seedPeriodic(m.DB, []periodicKind{{promises.KindLifecycleJob, promisesEvery}})
}
