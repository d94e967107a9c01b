package store

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"

	"github.com/lib/pq"

	"github.com/settle/settle/internal/ar"
)

// PlanPolicy returns a creditor's plan policy, or the default when the
// creditor has not set one.
func (s *Store) PlanPolicy(ctx context.Context, creditorID int64) (p ar.PlanPolicy, err error) {
	defer wrap(&err, "PlanPolicy(%d)", creditorID)
	var row struct {
		ar.PlanPolicy
		Segments pq.StringArray `db:"segments"`
	}
	err = s.q.GetContext(ctx, &row, `SELECT creditor_id, max_instalments, min_instalment_minor, max_total_minor,
		max_deferral_days, down_payment_bp, fee_minor, interest_bp, no_broken_plan_months, segments,
		auto_max_instalments, auto_max_total_minor, auto_max_deferral_days, grace_days
		FROM plan_policies WHERE creditor_id = $1`, creditorID)
	if errors.Is(err, sql.ErrNoRows) {
		return ar.DefaultPlanPolicy(creditorID), nil
	}
	if err != nil {
		return p, err
	}
	p = row.PlanPolicy
	p.Segments = row.Segments
	return p, nil
}

// SavePlanPolicy stores a creditor's plan policy.
func (s *Store) SavePlanPolicy(ctx context.Context, p ar.PlanPolicy) (err error) {
	defer wrap(&err, "SavePlanPolicy(%d)", p.CreditorID)
	if p.Segments == nil {
		p.Segments = []string{} // every segment (NULL is not allowed)
	}
	_, err = s.q.ExecContext(ctx, `INSERT INTO plan_policies (creditor_id, max_instalments, min_instalment_minor,
		max_total_minor, max_deferral_days, down_payment_bp, fee_minor, interest_bp, no_broken_plan_months, segments,
		auto_max_instalments, auto_max_total_minor, auto_max_deferral_days, grace_days, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, now())
		ON CONFLICT (creditor_id) DO UPDATE SET max_instalments = $2, min_instalment_minor = $3, max_total_minor = $4,
			max_deferral_days = $5, down_payment_bp = $6, fee_minor = $7, interest_bp = $8, no_broken_plan_months = $9,
			segments = $10, auto_max_instalments = $11, auto_max_total_minor = $12, auto_max_deferral_days = $13,
			grace_days = $14, updated_at = now()`,
		p.CreditorID, p.MaxInstalments, p.MinInstalmentMinor, p.MaxTotalMinor, p.MaxDeferralDays, p.DownPaymentBP,
		p.FeeMinor, p.InterestBP, p.NoBrokenPlanMonths, pq.Array(p.Segments), p.AutoMaxInstalments,
		p.AutoMaxTotalMinor, p.AutoMaxDeferral, p.GraceDays)
	return err
}

// Plan is a payment plan or deferral.
type Plan struct {
	ID             int64         `db:"id"`
	PublicID       string        `db:"public_id"`
	CreditorID     int64         `db:"creditor_id"`
	DebtorID       int64         `db:"debtor_id"`
	Kind           ar.PlanKind   `db:"kind"`
	Status         ar.PlanStatus `db:"status"`
	PrincipalMinor int64         `db:"principal_minor"`
	FeeMinor       int64         `db:"fee_minor"`
	InterestMinor  int64         `db:"interest_minor"`
	TotalMinor     int64         `db:"total_minor"`
	Currency       string        `db:"currency"`
	Day            *int          `db:"day"`
	Reason         string        `db:"reason"`
	ReviewKey      string        `db:"review_key"`
	DecisionNote   string        `db:"decision_note"`
	Autopay        bool          `db:"autopay"`
	MandateID      *int64        `db:"mandate_id"`
	Replaces       *int64        `db:"replaces"`
	CreatedBy      *int64        `db:"created_by"`
	DecidedBy      *int64        `db:"decided_by"`
	CreatedAt      time.Time     `db:"created_at"`
	DecidedAt      *time.Time    `db:"decided_at"`
	EndedAt        *time.Time    `db:"ended_at"`
	EndReason      string        `db:"end_reason"`
}

const planColumns = `id, public_id, creditor_id, debtor_id, kind, status, principal_minor, fee_minor,
	interest_minor, total_minor, currency, day, reason, review_key, decision_note, autopay, mandate_id, replaces,
	created_by, decided_by, created_at, decided_at, ended_at, end_reason`

// CreatePlan inserts a plan with its invoices (what is open on each)
// and instalments. An invoice another plan holds makes it a Conflict.
func (s *Store) CreatePlan(ctx context.Context, p *Plan, invoices map[int64]int64, ins []ar.Instalment) (err error) {
	defer wrap(&err, "CreatePlan(%d)", p.DebtorID)
	err = s.q.GetContext(ctx, p, `INSERT INTO payment_plans (public_id, creditor_id, debtor_id, kind, status,
		principal_minor, fee_minor, interest_minor, total_minor, currency, day, reason, review_key, autopay,
		replaces, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING `+planColumns,
		p.PublicID, p.CreditorID, p.DebtorID, p.Kind, p.Status, p.PrincipalMinor, p.FeeMinor, p.InterestMinor,
		p.TotalMinor, p.Currency, p.Day, p.Reason, p.ReviewKey, p.Autopay, p.Replaces, p.CreatedBy)
	if err != nil {
		return err
	}
	// In id order: two requests racing for the same invoices then wait on
	// the same first row instead of deadlocking.
	ids := make([]int64, 0, len(invoices))
	for id := range invoices {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		_, err = s.q.ExecContext(ctx, `INSERT INTO plan_invoices (plan_id, creditor_id, invoice_id, open_minor, held)
			VALUES ($1, $2, $3, $4, $5)`, p.ID, p.CreditorID, id, invoices[id], p.Status.Holds())
		var pe *pq.Error
		if errors.As(err, &pe) && pe.Code == "23505" {
			return ar.Errorf(ar.Conflict, "error.plan.invoice_taken")
		}
		if err != nil {
			return err
		}
	}
	for _, in := range ins {
		if _, err = s.q.ExecContext(ctx, `INSERT INTO plan_instalments (plan_id, seq, due_date, amount_minor)
			VALUES ($1, $2, $3, $4)`, p.ID, in.Seq, in.DueDate, in.AmountMinor); err != nil {
			return err
		}
	}
	return nil
}

// Plan loads one of a creditor's plans by id (debtorID 0: any debtor of
// the creditor), optionally locking it for the transaction.
func (s *Store) Plan(ctx context.Context, creditorID, debtorID, id int64, lock bool) (p *Plan, err error) {
	defer wrap(&err, "Plan(%d, %d)", creditorID, id)
	q := `SELECT ` + planColumns + ` FROM payment_plans WHERE creditor_id = $1 AND id = $2 AND ($3 = 0 OR debtor_id = $3)`
	if lock {
		q += ` FOR UPDATE`
	}
	p = &Plan{}
	err = s.q.GetContext(ctx, p, q, creditorID, id, debtorID)
	return p, err
}

// PlanByPublicID loads one of a debtor's plans by its public id.
func (s *Store) PlanByPublicID(ctx context.Context, creditorID, debtorID int64, publicID string) (p *Plan, err error) {
	defer wrap(&err, "PlanByPublicID(%d, %d)", creditorID, debtorID)
	p = &Plan{}
	err = s.q.GetContext(ctx, p, `SELECT `+planColumns+` FROM payment_plans
		WHERE creditor_id = $1 AND debtor_id = $2 AND public_id = $3`, creditorID, debtorID, publicID)
	return p, err
}

// DebtorPlans lists a debtor's plans, newest first.
func (s *Store) DebtorPlans(ctx context.Context, creditorID, debtorID int64) (list []Plan, err error) {
	defer wrap(&err, "DebtorPlans(%d, %d)", creditorID, debtorID)
	err = s.q.SelectContext(ctx, &list, `SELECT `+planColumns+` FROM payment_plans
		WHERE creditor_id = $1 AND debtor_id = $2 ORDER BY created_at DESC, id DESC LIMIT 50`, creditorID, debtorID)
	return list, err
}

// PlanInstalment is an instalment with what is paid of it.
type PlanInstalment struct {
	ar.Instalment
	PlanID     int64      `db:"plan_id"`
	PaidMinor  int64      `db:"paid_minor"`
	RemindedAt *time.Time `db:"reminded_at"`
}

// Open is what is still due on the instalment.
func (i *PlanInstalment) Open() int64 { return i.AmountMinor - i.PaidMinor }

// PlanInstalments lists a plan's instalments in order.
func (s *Store) PlanInstalments(ctx context.Context, planID int64) (list []PlanInstalment, err error) {
	defer wrap(&err, "PlanInstalments(%d)", planID)
	err = s.q.SelectContext(ctx, &list, `SELECT plan_id, seq, due_date, amount_minor, paid_minor, reminded_at
		FROM plan_instalments WHERE plan_id = $1 ORDER BY seq`, planID)
	return list, err
}

// PlanInvoice is an invoice a plan covers.
type PlanInvoice struct {
	InvoiceID int64  `db:"invoice_id"`
	Number    string `db:"number"`
	OpenMinor int64  `db:"open_minor"`
	Held      bool   `db:"held"`
}

// PlanInvoices lists the invoices of a plan.
func (s *Store) PlanInvoices(ctx context.Context, planID int64) (list []PlanInvoice, err error) {
	defer wrap(&err, "PlanInvoices(%d)", planID)
	err = s.q.SelectContext(ctx, &list, `SELECT pi.invoice_id, i.number, pi.open_minor, pi.held
		FROM plan_invoices pi JOIN invoices i ON i.id = pi.invoice_id WHERE pi.plan_id = $1 ORDER BY i.due_date, i.number`, planID)
	return list, err
}

// HeldInvoiceIDs is the set of a debtor's invoices some plan holds.
func (s *Store) HeldInvoiceIDs(ctx context.Context, creditorID, debtorID int64) (set map[int64]bool, err error) {
	defer wrap(&err, "HeldInvoiceIDs(%d, %d)", creditorID, debtorID)
	var ids []int64
	err = s.q.SelectContext(ctx, &ids, `SELECT pi.invoice_id FROM plan_invoices pi
		JOIN payment_plans p ON p.id = pi.plan_id
		WHERE p.creditor_id = $1 AND p.debtor_id = $2 AND pi.held`, creditorID, debtorID)
	set = make(map[int64]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	return set, err
}

// BrokePlanSince reports whether the debtor broke a plan after since.
func (s *Store) BrokePlanSince(ctx context.Context, creditorID, debtorID int64, since time.Time) (broke bool, err error) {
	defer wrap(&err, "BrokePlanSince(%d, %d)", creditorID, debtorID)
	err = s.q.GetContext(ctx, &broke, `SELECT EXISTS (SELECT 1 FROM payment_plans WHERE creditor_id = $1
		AND debtor_id = $2 AND status = 'broken' AND ended_at > $3)`, creditorID, debtorID, since)
	return broke, err
}

// SetPlanStatus moves a plan to a status; ending states release its
// invoices. by is the staff member deciding (nil for the debtor or the
// system); note is shown to the debtor (a rejection's reason), reason
// is recorded for an ending.
func (s *Store) SetPlanStatus(ctx context.Context, p *Plan, status ar.PlanStatus, by *int64, note string, at time.Time) (err error) {
	defer wrap(&err, "SetPlanStatus(%d, %s)", p.ID, status)
	decided := status == ar.PlanActive || status == ar.PlanRejected || status == ar.PlanOffered
	ended := !status.Holds()
	_, err = s.q.ExecContext(ctx, `UPDATE payment_plans SET status = $2,
		decided_by = CASE WHEN $3 THEN $4 ELSE decided_by END,
		decided_at = CASE WHEN $3 THEN $5 ELSE decided_at END,
		decision_note = CASE WHEN $3 AND $6 <> '' THEN $6 ELSE decision_note END,
		ended_at = CASE WHEN $7 THEN $5 ELSE ended_at END,
		end_reason = CASE WHEN $7 THEN $6 ELSE end_reason END
		WHERE id = $1`, p.ID, status, decided, by, at, note, ended)
	if err != nil {
		return err
	}
	if ended {
		_, err = s.q.ExecContext(ctx, `UPDATE plan_invoices SET held = false WHERE plan_id = $1`, p.ID)
	}
	p.Status = status
	return err
}

// PayInstalment books part of a payment on an instalment.
func (s *Store) PayInstalment(ctx context.Context, planID int64, seq int, amountMinor int64) (err error) {
	defer wrap(&err, "PayInstalment(%d, %d)", planID, seq)
	_, err = s.q.ExecContext(ctx, `UPDATE plan_instalments SET paid_minor = paid_minor + $3
		WHERE plan_id = $1 AND seq = $2`, planID, seq, amountMinor)
	return err
}

// ActivePlanOfInvoices returns the active plan (if any) that holds any of
// the given invoices of a debtor, locked.
func (s *Store) ActivePlanOfInvoices(ctx context.Context, creditorID, debtorID int64, invoiceIDs []int64) (p *Plan, err error) {
	defer wrap(&err, "ActivePlanOfInvoices(%d, %d)", creditorID, debtorID)
	p = &Plan{}
	err = s.q.GetContext(ctx, p, `SELECT `+planColumns+` FROM payment_plans WHERE id = (
		SELECT pi.plan_id FROM plan_invoices pi JOIN payment_plans pp ON pp.id = pi.plan_id
		WHERE pp.creditor_id = $1 AND pp.debtor_id = $2 AND pp.status = 'active' AND pi.held
			AND pi.invoice_id = ANY ($3) ORDER BY pp.id LIMIT 1) FOR UPDATE`, creditorID, debtorID, pq.Array(invoiceIDs))
	return p, err
}

// CompletePlanTask closes the plan-request task of a plan (staffID 0:
// nobody, e.g. the debtor withdrew it).
func (s *Store) CompletePlanTask(ctx context.Context, creditorID, planID, staffID int64, at time.Time) (err error) {
	defer wrap(&err, "CompletePlanTask(%d)", planID)
	var by *int64
	if staffID != 0 {
		by = &staffID
	}
	_, err = s.q.ExecContext(ctx, `UPDATE staff_tasks SET done_at = $4, done_by = $3
		WHERE creditor_id = $1 AND kind = 'plan_request' AND subject_id = $2 AND done_at IS NULL`, creditorID, planID, by, at)
	return err
}

// BookPlanCharge puts a plan's fee or interest on the ledger, on one of
// its invoices (so paying the plan's invoices pays it too, and the
// statement shows it).
func (s *Store) BookPlanCharge(ctx context.Context, p *Plan, invoiceID int64, kind string, amountMinor int64, valueDate time.Time) (err error) {
	defer wrap(&err, "BookPlanCharge(%d, %s)", p.ID, kind)
	return s.addLedgerEntry(ctx, p.CreditorID, p.DebtorID, &invoiceID, kind, amountMinor, p.Currency, valueDate, p.PublicID)
}

// activePlanInvoiceIDsSQL selects the invoices active plans of a debtor
// ($1 creditor, $2 debtor) hold; AccountOverview runs it as a subquery.
const activePlanInvoiceIDsSQL = `SELECT pi.invoice_id FROM plan_invoices pi
	JOIN payment_plans p ON p.id = pi.plan_id
	WHERE p.creditor_id = $1 AND p.debtor_id = $2 AND p.status = 'active' AND pi.held`

// ActivePlanInvoiceIDs is the set of a debtor's invoices that active
// plans hold.
func (s *Store) ActivePlanInvoiceIDs(ctx context.Context, creditorID, debtorID int64) (set map[int64]bool, err error) {
	defer wrap(&err, "ActivePlanInvoiceIDs(%d, %d)", creditorID, debtorID)
	var ids []int64
	err = s.q.SelectContext(ctx, &ids, activePlanInvoiceIDsSQL, creditorID, debtorID)
	set = make(map[int64]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	return set, err
}
