package store

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/lib/pq"
)

// StaffPlan is a plan as the back office shows it: with its debtor, the
// staff members who made and decided it, the plans it replaces or was
// replaced by (a counter-offer), and its mandate's status.
type StaffPlan struct {
	Plan
	DebtorName       string  `db:"debtor_name"`
	CustomerNumber   string  `db:"customer_number"`
	CreatedByEmail   *string `db:"created_by_email"`
	DecidedByEmail   *string `db:"decided_by_email"`
	ReplacesPublicID *string `db:"replaces_public_id"`
	ReplacedByID     *int64  `db:"replaced_by_id"`
	ReplacedByPublic *string `db:"replaced_by_public_id"`
	MandateStatus    *string `db:"mandate_status"`
}

// prefixed qualifies a column list with a table alias.
func prefixed(alias, columns string) string {
	parts := strings.Split(columns, ",")
	for i, c := range parts {
		parts[i] = alias + "." + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

// StaffPlan loads one of a creditor's plans for the back office; another
// creditor's plan is not found.
func (s *Store) StaffPlan(ctx context.Context, creditorID, id int64) (p *StaffPlan, err error) {
	defer wrap(&err, "StaffPlan(%d, %d)", creditorID, id)
	p = &StaffPlan{}
	err = s.q.GetContext(ctx, p, `SELECT `+prefixed("p", planColumns)+`, d.name AS debtor_name,
		d.customer_number, cu.email AS created_by_email, du.email AS decided_by_email,
		r.public_id AS replaces_public_id, o.id AS replaced_by_id, o.public_id AS replaced_by_public_id,
		m.status AS mandate_status
		FROM payment_plans p
		JOIN debtors d ON d.creditor_id = p.creditor_id AND d.id = p.debtor_id
		LEFT JOIN staff_users cu ON cu.id = p.created_by
		LEFT JOIN staff_users du ON du.id = p.decided_by
		LEFT JOIN payment_plans r ON r.id = p.replaces AND r.creditor_id = p.creditor_id
		LEFT JOIN LATERAL (SELECT id, public_id FROM payment_plans WHERE creditor_id = p.creditor_id
			AND replaces = p.id ORDER BY id DESC LIMIT 1) o ON true
		LEFT JOIN mandates m ON m.id = p.mandate_id AND m.creditor_id = p.creditor_id
		WHERE p.creditor_id = $1 AND p.id = $2`, creditorID, id)
	return p, err
}

// PlanTimeline returns a debtor's timeline entries about the given plans
// (by public id), oldest first: a plan's history.
func (s *Store) PlanTimeline(ctx context.Context, creditorID, debtorID int64, publicIDs []string) (list []TimelineEntry, err error) {
	defer wrap(&err, "PlanTimeline(%d, %d)", creditorID, debtorID)
	var rows []struct {
		TimelineEntry
		RawData []byte `db:"data"`
	}
	err = s.q.SelectContext(ctx, &rows, `SELECT i.id, i.creditor_id, i.debtor_id, i.invoice_id, i.kind,
		i.channel, i.actor, i.visibility, i.data, i.occurred_at, i.staff_id, u.email AS staff_email
		FROM interactions i LEFT JOIN staff_users u ON u.id = i.staff_id
		WHERE i.creditor_id = $1 AND i.debtor_id = $2 AND i.data->>'plan' = ANY ($3)
		ORDER BY i.occurred_at, i.id LIMIT 200`, creditorID, debtorID, pq.Array(publicIDs))
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

// PlanMandateStatuses maps a debtor's mandates (id) to their status
// (pending, valid, invalid, revoked).
func (s *Store) PlanMandateStatuses(ctx context.Context, creditorID, debtorID int64) (m map[int64]string, err error) {
	defer wrap(&err, "PlanMandateStatuses(%d, %d)", creditorID, debtorID)
	var rows []struct {
		ID     int64  `db:"id"`
		Status string `db:"status"`
	}
	err = s.q.SelectContext(ctx, &rows, `SELECT id, status FROM mandates WHERE creditor_id = $1 AND debtor_id = $2`,
		creditorID, debtorID)
	m = make(map[int64]string, len(rows))
	for _, r := range rows {
		m[r.ID] = r.Status
	}
	return m, err
}
