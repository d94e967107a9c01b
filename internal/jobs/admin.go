package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// ErrNotDead is returned by Retry when no dead job has the id.
var ErrNotDead = errors.New("jobs: no dead job with that id")

// Stats counts jobs by kind and state (pending, running, done, dead). Only
// states that have jobs appear.
func Stats(ctx context.Context, db sqlx.QueryerContext) (map[string]map[string]int, error) {
	var rows []struct {
		Kind  string `db:"kind"`
		State string `db:"state"`
		N     int    `db:"n"`
	}
	if err := sqlx.SelectContext(ctx, db, &rows,
		`SELECT kind, state, count(*) AS n FROM jobs GROUP BY kind, state`); err != nil {
		return nil, fmt.Errorf("jobs.Stats: %w", err)
	}
	stats := make(map[string]map[string]int)
	for _, r := range rows {
		if stats[r.Kind] == nil {
			stats[r.Kind] = make(map[string]int)
		}
		stats[r.Kind][r.State] = r.N
	}
	return stats, nil
}

// Retry revives a dead job: pending, attempts 0, due now. Its last_error
// stays until the next run ends. It returns ErrNotDead when no dead job has
// the id.
func Retry(ctx context.Context, db sqlx.ExecerContext, id int64) error {
	res, err := db.ExecContext(ctx, `UPDATE jobs
		SET state = 'pending', attempts = 0, run_at = now(), finished_at = NULL, locked_at = NULL, locked_by = NULL
		WHERE id = $1 AND state = 'dead'`, id)
	if err != nil {
		return fmt.Errorf("jobs.Retry(%d): %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("jobs.Retry(%d): %w", id, err)
	} else if n == 0 {
		return fmt.Errorf("jobs.Retry(%d): %w", id, ErrNotDead)
	}
	return nil
}

// pruneBatch bounds how many rows one DELETE of Prune removes, so that a
// large backlog does not become one long transaction.
const pruneBatch = 10000

// Prune deletes the jobs that finished done before doneBefore and returns
// how many. Dead jobs stay for an operator to look at. Pruning a job frees
// its UniqueKey.
func Prune(ctx context.Context, db sqlx.ExecerContext, doneBefore time.Time) (int64, error) {
	return prune(ctx, db, doneBefore, pruneBatch)
}

func prune(ctx context.Context, db sqlx.ExecerContext, doneBefore time.Time, batch int) (int64, error) {
	var total int64
	for {
		res, err := db.ExecContext(ctx, `DELETE FROM jobs WHERE id = ANY(ARRAY(
			SELECT id FROM jobs WHERE state = 'done' AND finished_at < $1 LIMIT $2))`, doneBefore, batch)
		if err != nil {
			return total, fmt.Errorf("jobs.Prune: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, fmt.Errorf("jobs.Prune: %w", err)
		}
		total += n
		if n < int64(batch) {
			return total, nil
		}
	}
}
