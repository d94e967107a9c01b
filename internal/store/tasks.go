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

// Task is one piece of work in a queue.
type Task struct {
	ID          int64      `db:"id"`
	CreditorID  int64      `db:"creditor_id"`
	DebtorID    int64      `db:"debtor_id"`
	Kind        string     `db:"kind"`
	PaymentID   *int64     `db:"payment_id"`
	SubjectID   *int64     `db:"subject_id"` // the dispute or plan request
	AmountMinor int64      `db:"amount_minor"`
	Currency    string     `db:"currency"`
	CreatedAt   time.Time  `db:"created_at"`
	DueAt       *time.Time `db:"due_at"` // callbacks: when to call
	Note        string     `db:"note"`
	AssignedTo  *int64     `db:"assigned_to"`
	CreatedBy   *int64     `db:"created_by"`
	DoneAt      *time.Time `db:"done_at"`
	DoneBy      *int64     `db:"done_by"`
}

const taskColumns = `t.id, t.creditor_id, t.debtor_id, t.kind, t.payment_id, t.subject_id, t.amount_minor,
	t.currency, t.created_at, t.due_at, t.note, t.assigned_to, t.created_by, t.done_at, t.done_by`

// AddTask files a task (CreatedAt zero: now). The debtor must be the
// creditor's (a foreign key says so).
func (s *Store) AddTask(ctx context.Context, t *Task) (err error) {
	defer wrap(&err, "AddTask(%d, %q)", t.CreditorID, t.Kind)
	if t.Currency == "" {
		t.Currency = "EUR"
	}
	return s.q.QueryRowxContext(ctx, `INSERT INTO staff_tasks (creditor_id, debtor_id, kind, payment_id, subject_id,
		amount_minor, currency, created_at, due_at, note, assigned_to, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, COALESCE($8, now()), $9, $10, $11, $12) RETURNING id, created_at`,
		t.CreditorID, t.DebtorID, t.Kind, t.PaymentID, t.SubjectID, t.AmountMinor, t.Currency, nullTime(t.CreatedAt),
		t.DueAt, t.Note, t.AssignedTo, t.CreatedBy).Scan(&t.ID, &t.CreatedAt)
}

// LockTask returns one of a creditor's tasks and locks it until the
// transaction ends; another creditor's task is not found.
func (s *Store) LockTask(ctx context.Context, creditorID, id int64) (t *Task, err error) {
	defer wrap(&err, "LockTask(%d, %d)", creditorID, id)
	t = new(Task)
	err = s.q.GetContext(ctx, t, `SELECT `+taskColumns+` FROM staff_tasks t
		WHERE t.creditor_id = $1 AND t.id = $2 FOR UPDATE`, creditorID, id)
	return t, err
}

// SetTaskAssignee gives an open task to a staff member (nil: nobody).
func (s *Store) SetTaskAssignee(ctx context.Context, creditorID, id int64, staffID *int64) (err error) {
	defer wrap(&err, "SetTaskAssignee(%d, %d)", creditorID, id)
	_, err = s.q.ExecContext(ctx, `UPDATE staff_tasks SET assigned_to = $3
		WHERE creditor_id = $1 AND id = $2 AND done_at IS NULL`, creditorID, id, staffID)
	return err
}

// CompleteTask marks an open task done by a staff member.
func (s *Store) CompleteTask(ctx context.Context, creditorID, id, staffID int64, at time.Time) (err error) {
	defer wrap(&err, "CompleteTask(%d, %d)", creditorID, id)
	_, err = s.q.ExecContext(ctx, `UPDATE staff_tasks SET done_at = $4, done_by = $3
		WHERE creditor_id = $1 AND id = $2 AND done_at IS NULL`, creditorID, id, staffID, at)
	return err
}

// TaskFilter picks the open tasks a queue shows.
type TaskFilter struct {
	Kind     string // "" for every kind
	Who      string // "mine" (assigned to StaffID), "unassigned", or "" for all
	StaffID  int64
	LateOnly bool
	Limit    int
}

// QueueTask is an open task as a queue lists it.
type QueueTask struct {
	Task
	DebtorName     string     `db:"debtor_name"`
	CustomerNumber string     `db:"customer_number"`
	Assignee       string     `db:"assignee"` // name, else email; "" when unassigned
	Late           bool       `db:"late"`
	Deadline       *time.Time `db:"deadline"` // SLA end, or a callback's time
	Total          int        `db:"total"`    // how many match the filter (the list stops at Limit)
}

// taskLate and taskDeadline say when a task is late: callbacks once
// their time has passed (never without one), the others once TaskSLA
// after they came in (a day for a kind without an SLA). They need the
// unnest of slaArrays joined as sla.
const (
	taskDeadline = `CASE WHEN t.kind = 'callback' THEN t.due_at
		ELSE t.created_at + make_interval(secs => coalesce(sla.secs, 86400)) END`
	taskLate = `coalesce(` + taskDeadline + ` <= $2, false)`
)

// OpenTasks lists a creditor's open tasks: late ones first, then the
// oldest (callbacks by their time), at most f.Limit of them.
func (s *Store) OpenTasks(ctx context.Context, creditorID int64, f TaskFilter, now time.Time) (list []QueueTask, err error) {
	defer wrap(&err, "OpenTasks(%d)", creditorID)
	kinds, secs := slaArrays()
	if f.Limit <= 0 {
		f.Limit = 200
	}
	err = s.q.SelectContext(ctx, &list, `SELECT `+taskColumns+`, d.name AS debtor_name,
		d.customer_number, coalesce(nullif(u.name, ''), u.email, '') AS assignee,
		`+taskLate+` AS late, `+taskDeadline+` AS deadline, count(*) OVER () AS total
		FROM staff_tasks t
		JOIN debtors d ON d.creditor_id = t.creditor_id AND d.id = t.debtor_id
		LEFT JOIN staff_users u ON u.id = t.assigned_to
		LEFT JOIN unnest($3::text[], $4::bigint[]) AS sla (kind, secs) ON sla.kind = t.kind
		WHERE t.creditor_id = $1 AND t.done_at IS NULL
			AND ($5 = '' OR t.kind = $5)
			AND ($6 = '' OR ($6 = 'mine' AND t.assigned_to = $7) OR ($6 = 'unassigned' AND t.assigned_to IS NULL))
			AND (NOT $8 OR `+taskLate+`)
		ORDER BY late DESC, CASE WHEN t.kind = 'callback' THEN coalesce(t.due_at, t.created_at) ELSE t.created_at END, t.id
		LIMIT $9`, creditorID, now, pq.Array(kinds), pq.Array(secs), f.Kind, f.Who, f.StaffID, f.LateOnly, f.Limit)
	return list, err
}
