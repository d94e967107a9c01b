package main

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/settle/settle/internal/disputes"
	"github.com/settle/settle/internal/jobs"
)

// stagedSweepEvery is how often expired kept files of refused dispute
// forms are deleted. They are unusable from the moment they expire (a
// day after they were last shown); the sweep only frees the space.
const stagedSweepEvery = time.Hour

// handleUploads registers the sweep of expired staged uploads
// (disputes.Service.Sweep) as a periodic job and seeds its first run.
func (m *Main) handleUploads(r *jobs.Runner, db *sqlx.DB) error {
	if m.Disputes == nil {
		return nil
	}
	periodic(r, db, disputes.KindStagedSweepJob, stagedSweepEvery, func(ctx context.Context, _ *jobs.Job) error {
		n, err := m.Disputes.Sweep(ctx)
		if n > 0 {
			m.Log.InfoContext(ctx, "expired staged uploads deleted", "count", n)
		}
		return err
	})
	return seedPeriodic(m.DB, []periodicKind{{disputes.KindStagedSweepJob, stagedSweepEvery}})
}
