package main

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/settle/settle/internal/dunning"
	"github.com/settle/settle/internal/jobs"
)

// dunningEvery is how often the engine runs. Stages go out at the
// creditor's send time (09:00 by default) and only outside quiet hours:
// a run every quarter hour sends them within 15 minutes of it.
const dunningEvery = 15 * time.Minute

// behaviourEvery is how often each debtor's payment behaviour (what the
// segments and smart waiting read) is computed again.
const behaviourEvery = 24 * time.Hour

// handleDunning registers the engine's run and the nightly behaviour
// computation as periodic jobs and seeds their first runs.
func (m *Main) handleDunning(r *jobs.Runner, db *sqlx.DB) error {
	if m.Dunning == nil {
		return nil
	}
	periodic(r, db, dunning.KindRunJob, dunningEvery, func(ctx context.Context, _ *jobs.Job) error {
		reports, err := m.Dunning.Run(ctx, dunning.Options{})
		for _, rep := range reports {
			if rep.Messages > 0 || rep.Changed > 0 || rep.Busy {
				m.Log.InfoContext(ctx, "dunning run", "creditor", rep.Creditor, "invoices", rep.Invoices,
					"messages", rep.Messages, "actions", rep.Actions, "held", rep.Held, "changed", rep.Changed,
					"busy", rep.Busy, "took", rep.Took.Round(time.Millisecond))
			}
		}
		return err
	})
	periodic(r, db, dunning.KindBehaviourJob, behaviourEvery, func(ctx context.Context, _ *jobs.Job) error {
		n, err := m.Dunning.Behaviour(ctx, 0)
		m.Log.InfoContext(ctx, "payment behaviour computed", "debtors", n)
		return err
	})
	// experiments (issue 9): the propensity model, trained and scored
	// nightly per creditor (creditors with too little history are
	// skipped and logged).
	periodic(r, db, dunning.KindPropensityJob, behaviourEvery, func(ctx context.Context, _ *jobs.Job) error {
		_, err := m.Dunning.Propensities(ctx, 0)
		return err
	})
	return seedPeriodic(m.DB, []periodicKind{{dunning.KindBehaviourJob, behaviourEvery}, {dunning.KindRunJob, dunningEvery},
		{dunning.KindPropensityJob, behaviourEvery}})
}
