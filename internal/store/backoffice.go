package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/lib/pq"

	"github.com/settle/settle/internal/ar"
)

// TimelineEntry is a timeline entry as staff see it: with who did it.
type TimelineEntry struct {
	ar.Interaction
	StaffEmail *string `db:"staff_email"`
}

// StaffTimeline returns a debtor's whole timeline (internal entries
// too), newest first, optionally only some kinds (prefixes such as
// "call." or exact kinds).
func (s *Store) StaffTimeline(ctx context.Context, creditorID, debtorID int64, kindPrefixes []string, limit int) (list []TimelineEntry, err error) {
	defer wrap(&err, "StaffTimeline(%d, %d)", creditorID, debtorID)
	var rows []struct {
		TimelineEntry
		RawData []byte `db:"data"`
	}
	err = s.q.SelectContext(ctx, &rows, `SELECT i.id, i.creditor_id, i.debtor_id, i.invoice_id, i.kind,
		i.channel, i.actor, i.visibility, i.data, i.occurred_at, i.staff_id, u.email AS staff_email
		FROM interactions i LEFT JOIN staff_users u ON u.id = i.staff_id
		WHERE i.creditor_id = $1 AND i.debtor_id = $2
			AND (cardinality($3::text[]) = 0 OR i.kind LIKE ANY ($3))
		ORDER BY i.occurred_at DESC, i.id DESC LIMIT $4`, creditorID, debtorID, pq.Array(likePrefixes(kindPrefixes)), limit)
	if err != nil {
		return nil, err
	}
	list = make([]TimelineEntry, len(rows))
	for i, r := range rows {
		list[i] = r.TimelineEntry
		if err := json.Unmarshal(r.RawData, &list[i].Data); err != nil {
			return nil, err
		}
	}
	return list, nil
}

// likePrefixes turns "call." into "call.%" and leaves exact kinds as
// they are (kinds hold no LIKE wildcards).
func likePrefixes(kinds []string) []string {
	out := make([]string, 0, len(kinds))
	for _, k := range kinds {
		if len(k) > 0 && k[len(k)-1] == '.' {
			k += "%"
		}
		out = append(out, k)
	}
	return out
}

// AddCallbackTask puts a callback in the queue, held by the staff member
// who scheduled it.
func (s *Store) AddCallbackTask(ctx context.Context, creditorID, debtorID int64, due time.Time, note string, staffID int64) (id int64, err error) {
	t := &Task{CreditorID: creditorID, DebtorID: debtorID, Kind: "callback", DueAt: &due, Note: note,
		AssignedTo: &staffID, CreatedBy: &staffID}
	err = s.AddTask(ctx, t)
	return t.ID, err
}

// DebtorOpenTasks lists a debtor's open tasks.
func (s *Store) DebtorOpenTasks(ctx context.Context, creditorID, debtorID int64) (list []Task, err error) {
	defer wrap(&err, "DebtorOpenTasks(%d, %d)", creditorID, debtorID)
	err = s.q.SelectContext(ctx, &list, `SELECT `+taskColumns+` FROM staff_tasks t
		WHERE t.creditor_id = $1 AND t.debtor_id = $2 AND t.done_at IS NULL ORDER BY coalesce(t.due_at, t.created_at)`, creditorID, debtorID)
	return list, err
}

// DebtorPayments lists a debtor's payments, newest first.
func (s *Store) DebtorPayments(ctx context.Context, creditorID, debtorID int64, limit int) (list []Payment, err error) {
	defer wrap(&err, "DebtorPayments(%d, %d)", creditorID, debtorID)
	err = s.q.SelectContext(ctx, &list, `SELECT `+paymentColumns+` FROM payments
		WHERE creditor_id = $1 AND debtor_id = $2 ORDER BY created_at DESC, id DESC LIMIT $3`, creditorID, debtorID, limit)
	return list, err
}

// CreateAssistedSession records a debtor session an agent opened with
// the debtor on the phone (assist mode).
func (s *Store) CreateAssistedSession(ctx context.Context, idHash []byte, creditorID, debtorID, linkID, staffID int64, at time.Time) (err error) {
	defer wrap(&err, "CreateAssistedSession(%d, %d)", creditorID, debtorID)
	_, err = s.q.ExecContext(ctx, `INSERT INTO debtor_sessions (id_hash, creditor_id, debtor_id, link_id, created_at, assisted_by)
		VALUES ($1, $2, $3, $4, $5, $6)`, idHash, creditorID, debtorID, linkID, at, staffID)
	return err
}
