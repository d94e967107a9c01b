package store

import (
	"context"
	"time"

	"github.com/lib/pq"
)

// TaskSLA is how long a task of a kind may wait before it is late
// (callbacks are late once their time has passed).
var TaskSLA = map[string]time.Duration{
	"dispute":      3 * 24 * time.Hour,
	"plan_request": 2 * 24 * time.Hour,
	"overpayment":  5 * 24 * time.Hour,
	"chargeback":   24 * time.Hour,
}

// TaskCount is how many tasks of a kind are open, and how many of them
// are past their SLA (or due time).
type TaskCount struct {
	Open int `db:"open"`
	Late int `db:"late"`
}

// OpenTaskCounts counts a creditor's open tasks per kind.
func (s *Store) OpenTaskCounts(ctx context.Context, creditorID int64, now time.Time) (m map[string]TaskCount, err error) {
	defer wrap(&err, "OpenTaskCounts(%d)", creditorID)
	var rows []struct {
		Kind string `db:"kind"`
		TaskCount
	}
	kinds, secs := slaArrays()
	err = s.q.SelectContext(ctx, &rows, `SELECT t.kind, count(*) AS open,
		count(*) FILTER (WHERE CASE WHEN t.kind = 'callback' THEN t.due_at <= $2
			ELSE t.created_at + make_interval(secs => coalesce(sla.secs, 86400)) <= $2 END) AS late
		FROM staff_tasks t LEFT JOIN unnest($3::text[], $4::bigint[]) AS sla (kind, secs) ON sla.kind = t.kind
		WHERE t.creditor_id = $1 AND t.done_at IS NULL GROUP BY t.kind`, creditorID, now, pq.Array(kinds), pq.Array(secs))
	m = map[string]TaskCount{}
	for _, r := range rows {
		m[r.Kind] = r.TaskCount
	}
	return m, err
}

// slaArrays passes TaskSLA to SQL.
func slaArrays() (kinds []string, secs []int64) {
	for k, d := range TaskSLA {
		kinds = append(kinds, k)
		secs = append(secs, int64(d.Seconds()))
	}
	return kinds, secs
}
