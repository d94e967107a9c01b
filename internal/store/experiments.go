package store

import (
	"context"
	"errors"
	"time"

	"github.com/lib/pq"

	"github.com/settle/settle/internal/ar"
)

// experiments (issue 9): what each variant of a creditor's dunning
// experiments achieved, and the experiments ended.

// VariantOutcome is what the actions of one experiment variant led to.
// The unit is the action (one invoice at the experiment's stage). The
// "within N days" counts look only at actions at least N days old
// (Matured7/14/30: their number), so young actions do not drag a rate
// down before they had the chance.
type VariantOutcome struct {
	Experiment string `db:"experiment"`
	Variant    string `db:"variant"`
	Actions    int    `db:"actions"` // every action of the variant (sent or skipped)
	// Reached: sent with a message that did not fail and was not
	// cancelled.
	Reached int `db:"reached"`
	// Opened: the fresh link in the message was used at least once.
	Opened int `db:"opened"`
	// Paid within N days of the action: the invoice's ledger balance came
	// to zero or below by a payment valued within N days of the action's
	// day (the creditor's civil date).
	Matured7  int `db:"matured7"`
	Paid7     int `db:"paid7"`
	Matured14 int `db:"matured14"`
	Paid14    int `db:"paid14"`
	Matured30 int `db:"matured30"`
	Paid30    int `db:"paid30"`
	// CollectedMinor is what payments brought in on the invoices within
	// 30 days of the action (value date from the action's day to 30 days
	// later).
	CollectedMinor int64 `db:"collected_minor"`
	// Disputes: actions whose invoice was disputed within 30 days.
	Disputes int `db:"disputes"`
}

// ExperimentOutcomes is every variant's outcome of the creditor's
// experiments, as of now, ordered by experiment and variant. One
// statement: the settlement date of each invoice from one pass over the
// ledger (a running balance), the rest from hash joins.
func (s *Store) ExperimentOutcomes(ctx context.Context, creditorID int64, now time.Time) (list []VariantOutcome, err error) {
	defer wrap(&err, "ExperimentOutcomes(%d)", creditorID)
	err = s.q.SelectContext(ctx, &list, `WITH a AS (
			SELECT a.id, a.experiment, a.variant, a.invoice_id, a.created_at, a.status, a.message_id, a.link_id,
				(a.created_at AT TIME ZONE cr.timezone)::date AS day
			FROM dunning_actions a JOIN creditors cr ON cr.id = a.creditor_id
			WHERE a.creditor_id = $1 AND a.experiment <> ''
		), led AS (
			SELECT l.invoice_id, l.kind, l.value_date, l.amount_minor,
				sum(l.amount_minor) OVER (PARTITION BY l.invoice_id ORDER BY l.value_date) AS running
			FROM ledger_entries l
			WHERE l.creditor_id = $1 AND l.invoice_id IN (SELECT invoice_id FROM a)
		), settled AS (
			SELECT invoice_id, min(value_date) AS settled_on FROM led
			WHERE kind = 'payment' AND running <= 0 GROUP BY invoice_id
		), collected AS (
			SELECT a.id, -sum(l.amount_minor) AS minor FROM a
			JOIN led l ON l.invoice_id = a.invoice_id AND l.kind = 'payment'
				AND l.value_date BETWEEN a.day AND a.day + 30
			GROUP BY a.id
		), disputed AS (
			SELECT DISTINCT a.id FROM a
			JOIN disputes x ON x.creditor_id = $1 AND x.invoice_id = a.invoice_id
				AND x.created_at >= a.created_at AND x.created_at < a.created_at + interval '30 days'
		)
		SELECT a.experiment, a.variant, count(*) AS actions,
			count(*) FILTER (WHERE a.status = 'sent' AND m.status NOT IN ('failed', 'cancelled')) AS reached,
			count(*) FILTER (WHERE al.use_count > 0 OR al.last_used_at IS NOT NULL) AS opened,
			count(*) FILTER (WHERE a.created_at <= $2::timestamptz - interval '7 days') AS matured7,
			count(*) FILTER (WHERE a.created_at <= $2::timestamptz - interval '7 days' AND s.settled_on <= a.day + 7) AS paid7,
			count(*) FILTER (WHERE a.created_at <= $2::timestamptz - interval '14 days') AS matured14,
			count(*) FILTER (WHERE a.created_at <= $2::timestamptz - interval '14 days' AND s.settled_on <= a.day + 14) AS paid14,
			count(*) FILTER (WHERE a.created_at <= $2::timestamptz - interval '30 days') AS matured30,
			count(*) FILTER (WHERE a.created_at <= $2::timestamptz - interval '30 days' AND s.settled_on <= a.day + 30) AS paid30,
			COALESCE(sum(c.minor), 0)::bigint AS collected_minor,
			count(dx.id) AS disputes
		FROM a
		LEFT JOIN messages m ON m.id = a.message_id
		LEFT JOIN access_links al ON al.id = a.link_id
		LEFT JOIN settled s ON s.invoice_id = a.invoice_id
		LEFT JOIN collected c ON c.id = a.id
		LEFT JOIN disputed dx ON dx.id = a.id
		GROUP BY a.experiment, a.variant
		ORDER BY a.experiment, a.variant`, creditorID, now)
	return list, err
}

// EndedExperiment is an experiment the creditor ended.
type EndedExperiment struct {
	Experiment string    `db:"experiment"`
	PolicyKey  string    `db:"policy_key"`
	Stage      string    `db:"stage"`
	EndedAt    time.Time `db:"ended_at"`
	EndedBy    *int64    `db:"ended_by"`
	EndedEmail *string   `db:"ended_email"`
	Winner     string    `db:"winner"`
}

// EndedExperiments lists the creditor's ended experiments, newest first.
func (s *Store) EndedExperiments(ctx context.Context, creditorID int64) (list []EndedExperiment, err error) {
	defer wrap(&err, "EndedExperiments(%d)", creditorID)
	err = s.q.SelectContext(ctx, &list, `SELECT e.experiment, e.policy_key, e.stage, e.ended_at, e.ended_by,
			u.email AS ended_email, e.winner
		FROM dunning_experiments e LEFT JOIN staff_users u ON u.id = e.ended_by
		WHERE e.creditor_id = $1 ORDER BY e.ended_at DESC, e.experiment`, creditorID)
	return list, err
}

// EndExperiment records that an experiment ended with a winner; an
// experiment id ended before is a conflict.
func (s *Store) EndExperiment(ctx context.Context, creditorID int64, e EndedExperiment) (err error) {
	defer wrap(&err, "EndExperiment(%d, %q)", creditorID, e.Experiment)
	_, err = s.q.ExecContext(ctx, `INSERT INTO dunning_experiments (creditor_id, experiment, policy_key, stage, ended_at,
			ended_by, winner)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, creditorID, e.Experiment, e.PolicyKey, e.Stage, e.EndedAt, e.EndedBy, e.Winner)
	var pe *pq.Error
	if errors.As(err, &pe) && pe.Code == "23505" {
		return &ar.Error{Code: ar.Conflict, Key: "error.staff.experiments.ended_before"}
	}
	return err
}
