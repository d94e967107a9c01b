package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/lib/pq"
)

// propensity (issue 9): the rows the propensity-to-pay model learns
// from and scores, the models trained, and the scores.

// PropensityRow is one debtor's payment-behaviour features as of a date
// D: for training, D is an invoice's due date and Label says whether
// that invoice was paid within 14 days after it; for scoring, D is
// today and Label is nil. Only what was known at D counts: invoices of
// the debtor due before D (not the invoice at hand), paid when a payment
// valued before D settled them. See internal/dunning/doc.go.
type PropensityRow struct {
	DebtorID       int64   `db:"debtor_id"`
	Label          *bool   `db:"label"`
	ShareLate      float64 `db:"share_late"`      // of the earlier invoices settled or overdue at D, the share paid > 3 days late or still unpaid
	AvgLag         float64 `db:"avg_lag"`         // mean days from due date to payment of those paid before D (clipped −10…60; 0 without any)
	Overdue        float64 `db:"overdue"`         // earlier invoices still unpaid at D
	LogArrears     float64 `db:"log_arrears"`     // ln(1 + their total in major units)
	TenureMonths   float64 `db:"tenure_months"`   // since the first invoice's issue date
	MonthsPunctual float64 `db:"months_punctual"` // since the last late invoice's due date (or the first invoice)
	LogPaid        float64 `db:"log_paid"`        // ln(1 + invoices paid before D)
	Business       bool    `db:"business"`
	Hardship       bool    `db:"hardship"` // the flag now (not as of D: the flag has no history)
}

// propensityCTEs are the settlement date of each of the creditor's ($1)
// invoices (the first payment that brought its balance to zero or
// below) and the invoices with it; a CTE base (debtor_id, at_hand, d,
// label) follows.
const propensityCTEs = `WITH settled AS (
		SELECT invoice_id, min(value_date) AS settled_on FROM (
			SELECT l.invoice_id, l.kind, l.value_date,
				sum(l.amount_minor) OVER (PARTITION BY l.invoice_id ORDER BY l.value_date) AS running
			FROM ledger_entries l WHERE l.creditor_id = $1 AND l.invoice_id IS NOT NULL) x
		WHERE kind = 'payment' AND running <= 0 GROUP BY invoice_id
	), inv AS (
		SELECT i.id, i.debtor_id, i.issue_date, i.due_date, i.total_minor, s.settled_on
		FROM invoices i LEFT JOIN settled s ON s.invoice_id = i.id WHERE i.creditor_id = $1
	)`

// propensitySelect computes the features of the rows of the CTE base:
// one hash join of each row with the debtor's earlier invoices.
const propensitySelect = `, f AS (
		SELECT b.debtor_id, b.at_hand, b.d, b.label,
			count(*) FILTER (WHERE j.settled_on < b.d) AS paid,
			count(*) FILTER (WHERE j.settled_on < b.d OR j.due_date + 3 < b.d) AS judged,
			count(*) FILTER (WHERE (j.settled_on < b.d AND j.settled_on - j.due_date > 3)
				OR (j.id IS NOT NULL AND (j.settled_on IS NULL OR j.settled_on >= b.d) AND j.due_date + 3 < b.d)) AS late,
			avg(least(greatest(j.settled_on - j.due_date, -10), 60)) FILTER (WHERE j.settled_on < b.d) AS avg_lag,
			count(*) FILTER (WHERE j.id IS NOT NULL AND (j.settled_on IS NULL OR j.settled_on >= b.d)) AS overdue,
			sum(j.total_minor) FILTER (WHERE j.settled_on IS NULL OR j.settled_on >= b.d) AS arrears,
			min(j.issue_date) AS first_issue,
			max(j.due_date) FILTER (WHERE (j.settled_on < b.d AND j.settled_on - j.due_date > 3)
				OR ((j.settled_on IS NULL OR j.settled_on >= b.d) AND j.due_date + 3 < b.d)) AS last_late
		FROM base b
		LEFT JOIN inv j ON j.debtor_id = b.debtor_id AND j.due_date < b.d AND j.id IS DISTINCT FROM b.at_hand
		GROUP BY b.debtor_id, b.at_hand, b.d, b.label
	)
	SELECT f.debtor_id, f.label,
		COALESCE(f.late::float8 / NULLIF(f.judged, 0), 0) AS share_late,
		COALESCE(f.avg_lag, 0)::float8 AS avg_lag,
		f.overdue::float8 AS overdue,
		ln(1 + COALESCE(f.arrears, 0)::float8 / 100) AS log_arrears,
		COALESCE((f.d - f.first_issue) / 30.44, 0)::float8 AS tenure_months,
		COALESCE((f.d - COALESCE(f.last_late, f.first_issue)) / 30.44, 0)::float8 AS months_punctual,
		ln(1 + f.paid::float8) AS log_paid,
		d.kind = 'business' AS business, d.hardship
	FROM f JOIN debtors d ON d.creditor_id = $1 AND d.id = f.debtor_id`

// PropensityTrainingRows are the training rows of a creditor: every
// invoice due 30 to 730 days before today, with its debtor's features as
// of its due date and its label: paid (settled by payments) within 14
// days after the due date.
func (s *Store) PropensityTrainingRows(ctx context.Context, creditorID int64, today time.Time) (rows []PropensityRow, err error) {
	defer wrap(&err, "PropensityTrainingRows(%d)", creditorID)
	err = s.q.SelectContext(ctx, &rows, propensityCTEs+`, base AS (
			SELECT i.debtor_id, i.id AS at_hand, i.due_date AS d,
				COALESCE(s.settled_on <= i.due_date + 14, false) AS label
			FROM invoices i LEFT JOIN settled s ON s.invoice_id = i.id
			WHERE i.creditor_id = $1 AND i.due_date BETWEEN $2::date - 730 AND $2::date - 30
		)`+propensitySelect+` ORDER BY f.debtor_id, f.d, f.at_hand`, creditorID, today.Format(time.DateOnly))
	return rows, err
}

// PropensityScoringRows are the features of every debtor of the
// creditor with an invoice, as of today.
func (s *Store) PropensityScoringRows(ctx context.Context, creditorID int64, today time.Time) (rows []PropensityRow, err error) {
	defer wrap(&err, "PropensityScoringRows(%d)", creditorID)
	err = s.q.SelectContext(ctx, &rows, propensityCTEs+`, base AS (
			SELECT d.id AS debtor_id, NULL::bigint AS at_hand, $2::date AS d, NULL::boolean AS label
			FROM debtors d
			WHERE d.creditor_id = $1 AND EXISTS (SELECT 1 FROM invoices i WHERE i.creditor_id = $1 AND i.debtor_id = d.id)
		)`+propensitySelect+` ORDER BY f.debtor_id`, creditorID, today.Format(time.DateOnly))
	return rows, err
}

// PropensityModel is a trained model as stored.
type PropensityModel struct {
	ID          int64           `db:"id"`
	CreditorID  int64           `db:"creditor_id"`
	TrainedAt   time.Time       `db:"trained_at"`
	TrainRows   int             `db:"train_rows"`
	HoldoutRows int             `db:"holdout_rows"`
	AUC         *float64        `db:"auc"`
	Model       json.RawMessage `db:"model"`
}

// SavePropensityModel stores a trained model.
func (s *Store) SavePropensityModel(ctx context.Context, m PropensityModel) (id int64, err error) {
	defer wrap(&err, "SavePropensityModel(%d)", m.CreditorID)
	err = s.q.GetContext(ctx, &id, `INSERT INTO propensity_models (creditor_id, trained_at, train_rows, holdout_rows, auc, model)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, m.CreditorID, m.TrainedAt, m.TrainRows, m.HoldoutRows, m.AUC, []byte(m.Model))
	return id, err
}

// LatestPropensityModel is the creditor's newest model (nil: none yet).
func (s *Store) LatestPropensityModel(ctx context.Context, creditorID int64) (m *PropensityModel, err error) {
	defer wrap(&err, "LatestPropensityModel(%d)", creditorID)
	var list []PropensityModel
	if err := s.q.SelectContext(ctx, &list, `SELECT id, creditor_id, trained_at, train_rows, holdout_rows, auc, model
		FROM propensity_models WHERE creditor_id = $1 ORDER BY trained_at DESC, id DESC LIMIT 1`, creditorID); err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, nil
	}
	return &list[0], nil
}

// PropensityScore is one debtor's score with its top factors (JSON).
type PropensityScore struct {
	DebtorID   int64
	Propensity float64
	Factors    json.RawMessage
}

// SetPropensityScores writes the scores and factors into
// debtor_behaviour in one statement (a debtor without a row gets one).
func (s *Store) SetPropensityScores(ctx context.Context, creditorID int64, now time.Time, list []PropensityScore) (err error) {
	defer wrap(&err, "SetPropensityScores(%d, %d)", creditorID, len(list))
	if len(list) == 0 {
		return nil
	}
	ids, scores, factors := make([]int64, len(list)), make([]float64, len(list)), make([]string, len(list))
	for i, x := range list {
		ids[i], scores[i], factors[i] = x.DebtorID, x.Propensity, string(x.Factors)
	}
	_, err = s.q.ExecContext(ctx, `INSERT INTO debtor_behaviour (creditor_id, debtor_id, computed_at, propensity, factors)
		SELECT $1, d, $2, p, f::jsonb FROM unnest($3::bigint[], $4::float8[], $5::text[]) AS x(d, p, f)
		ON CONFLICT (creditor_id, debtor_id) DO UPDATE SET propensity = EXCLUDED.propensity, factors = EXCLUDED.factors`,
		creditorID, now, pq.Array(ids), pq.Array(scores), pq.Array(factors))
	return err
}

// DebtorPropensity is a debtor's score and factors (nil: not scored).
func (s *Store) DebtorPropensity(ctx context.Context, creditorID, debtorID int64) (p *float64, factors json.RawMessage, err error) {
	defer wrap(&err, "DebtorPropensity(%d, %d)", creditorID, debtorID)
	var rows []struct {
		P *float64        `db:"propensity"`
		F json.RawMessage `db:"factors"`
	}
	if err := s.q.SelectContext(ctx, &rows, `SELECT propensity, factors FROM debtor_behaviour
		WHERE creditor_id = $1 AND debtor_id = $2`, creditorID, debtorID); err != nil {
		return nil, nil, err
	}
	if len(rows) == 0 {
		return nil, nil, nil
	}
	return rows[0].P, rows[0].F, nil
}
