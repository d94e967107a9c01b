package store

import (
	"context"
	"math"
	"time"
)

// KPIPeriod is the span a dashboard covers: the whole civil days From
// to To (inclusive) in the creditor's time zone.
type KPIPeriod struct {
	From, To   time.Time // civil dates (midnight UTC)
	Start, End time.Time // instants: From 00:00 and the day after To 00:00, in the creditor's zone
}

// NewKPIPeriod is the period of the civil days from..to in loc.
func NewKPIPeriod(from, to time.Time, loc *time.Location) KPIPeriod {
	at := func(d time.Time) time.Time { return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc) }
	return KPIPeriod{From: from, To: to, Start: at(from), End: at(to.AddDate(0, 0, 1))}
}

// Days is how many days the period has.
func (p KPIPeriod) Days() int { return int(p.To.Sub(p.From).Hours()/24+0.5) + 1 }

func civilString(d time.Time) string { return d.Format("2006-01-02") }

// KPIs are the figures a collections lead watches, for one creditor and
// period, in the creditor's currency (amounts in other currencies are left
// out). "Today" is the period's last day.
type KPIs struct {
	// Receivables now: what is open on invoices (credits on the account
	// not netted), and the part of it past its due date.
	OpenMinor       int64 `db:"open_minor"`
	OpenInvoices    int   `db:"open_invoices"`
	OverdueMinor    int64 `db:"overdue_minor"`
	OverdueInvoices int   `db:"overdue_invoices"`
	// SalesMinor is what was invoiced in the period (issue date in it).
	SalesMinor int64 `db:"sales_minor"`
	// DueMinor is what fell due in the period (due date in it), and
	// DuePaidMinor the part of it paid so far (payments less refunds and
	// chargebacks, whenever they came).
	DueMinor     int64 `db:"due_minor"`
	DuePaidMinor int64 `db:"due_paid_minor"`
	// Payments received in the period (value date in it; paid, or paid
	// and later reversed), all of them and per method and week.
	ReceivedMinor int64 `db:"received_minor"`
	ReceivedCount int   `db:"received_count"`
	Methods       []MethodMix
	Weeks         []WeekSum
	// LinkOpened is how many debtors opened a personal link in the period,
	// LinkPaid how many of them paid within 7 days of their first opening
	// in it.
	LinkOpened int `db:"link_opened"`
	LinkPaid   int `db:"link_paid"`
	// Disputes and plan requests as the work queue sees them.
	Disputes     TaskFlow
	PlanRequests TaskFlow
	Restore      RestoreStats
}

// MethodMix is the payments of one method.
type MethodMix struct {
	Method string `db:"method"`
	Count  int    `db:"count"`
	Minor  int64  `db:"minor"`
}

// WeekSum is the payments of one week (Monday to Sunday; the first and
// last may be cut by the period).
type WeekSum struct {
	Week  time.Time `db:"week"` // its Monday
	Count int       `db:"count"`
	Minor int64     `db:"minor"`
}

// TaskFlow is a kind of task: how many came in and were done in the
// period, and how many are open now.
type TaskFlow struct {
	Opened  int `db:"opened"`
	Done    int `db:"done"`
	OpenNow int `db:"open_now"`
}

// RestoreStats is how fast a blocked debtor's service comes back: from
// the payment to Settle's service.restorable signal, and from the signal
// to the creditor reporting the service active again.
type RestoreStats struct {
	Signals int `db:"signals"` // service.restorable signals in the period
	Lifted  int `db:"lifted"`  // of them, followed by the service reported active
	// Medians in seconds; nil when there is nothing to measure.
	PaymentToSignal *float64 `db:"payment_to_signal"`
	SignalToActive  *float64 `db:"signal_to_active"`
}

// DSO is days sales outstanding: open receivables divided by what was
// invoiced in the period, times the period's days, rounded to whole days.
// ok is false when nothing was invoiced.
func (k *KPIs) DSO(days int) (dso int, ok bool) {
	if k.SalesMinor <= 0 {
		return 0, false
	}
	return int(math.Round(float64(k.OpenMinor) / float64(k.SalesMinor) * float64(days))), true
}

// CollectionRate is the share of what fell due in the period that is
// paid, in basis points (10000 = 100 %).
func (k *KPIs) CollectionRate() (bp int, ok bool) { return ratioBP(k.DuePaidMinor, k.DueMinor) }

// LinkConversion is the share of debtors who opened a link and then paid
// within 7 days, in basis points.
func (k *KPIs) LinkConversion() (bp int, ok bool) {
	return ratioBP(int64(k.LinkPaid), int64(k.LinkOpened))
}

func ratioBP(part, whole int64) (int, bool) {
	if whole <= 0 {
		return 0, false
	}
	return int(math.Round(float64(part) * 10000 / float64(whole))), true
}

// paidStatuses are payments that brought money in (reversed ones too:
// the money came, and went back later).
const paidStatuses = `('paid', 'reversed')`

// KPIs computes the dashboard of a creditor for a period.
func (s *Store) KPIs(ctx context.Context, creditorID int64, currency string, p KPIPeriod) (k *KPIs, err error) {
	defer wrap(&err, "KPIs(%d)", creditorID)
	k = new(KPIs)
	from, to := civilString(p.From), civilString(p.To)
	// Receivables now, per invoice from the ledger.
	if err := s.q.GetContext(ctx, k, `SELECT coalesce(sum(o.open), 0) AS open_minor, count(*) AS open_invoices,
			coalesce(sum(o.open) FILTER (WHERE o.due_date < $3::date), 0) AS overdue_minor,
			count(*) FILTER (WHERE o.due_date < $3::date) AS overdue_invoices
		FROM (SELECT i.due_date, sum(e.amount_minor) AS open
			FROM invoices i JOIN ledger_entries e ON e.invoice_id = i.id
			WHERE i.creditor_id = $1 AND i.currency = $2
			GROUP BY i.id HAVING sum(e.amount_minor) > 0) o`, creditorID, currency, to); err != nil {
		return nil, err
	}
	if err := s.q.QueryRowxContext(ctx, `SELECT
			coalesce(sum(i.total_minor) FILTER (WHERE i.issue_date BETWEEN $3::date AND $4::date), 0),
			coalesce(sum(i.total_minor) FILTER (WHERE i.due_date BETWEEN $3::date AND $4::date), 0),
			coalesce(sum(pd.paid) FILTER (WHERE i.due_date BETWEEN $3::date AND $4::date), 0)
		FROM invoices i
		LEFT JOIN LATERAL (SELECT -coalesce(sum(e.amount_minor), 0) AS paid FROM ledger_entries e
			WHERE e.invoice_id = i.id AND e.kind IN ('payment', 'refund', 'chargeback')) pd ON true
		WHERE i.creditor_id = $1 AND i.currency = $2
			AND (i.issue_date BETWEEN $3::date AND $4::date OR i.due_date BETWEEN $3::date AND $4::date)`,
		creditorID, currency, from, to).Scan(&k.SalesMinor, &k.DueMinor, &k.DuePaidMinor); err != nil {
		return nil, err
	}
	// Payments received.
	if err := s.q.SelectContext(ctx, &k.Methods, `SELECT method, count(*) AS count, sum(amount_minor) AS minor
		FROM payments WHERE creditor_id = $1 AND currency = $2 AND status IN `+paidStatuses+`
			AND value_date BETWEEN $3::date AND $4::date
		GROUP BY method ORDER BY sum(amount_minor) DESC, method`, creditorID, currency, from, to); err != nil {
		return nil, err
	}
	for _, m := range k.Methods {
		k.ReceivedMinor += m.Minor
		k.ReceivedCount += m.Count
	}
	if err := s.q.SelectContext(ctx, &k.Weeks, `SELECT w.week::date AS week, count(p.id) AS count,
			coalesce(sum(p.amount_minor), 0) AS minor
		FROM generate_series(date_trunc('week', $3::date::timestamp), date_trunc('week', $4::date::timestamp),
			interval '1 week') AS w (week)
		LEFT JOIN payments p ON p.creditor_id = $1 AND p.currency = $2 AND p.status IN `+paidStatuses+`
			AND p.value_date BETWEEN $3::date AND $4::date
			AND date_trunc('week', p.value_date::timestamp) = w.week
		GROUP BY w.week ORDER BY w.week`, creditorID, currency, from, to); err != nil {
		return nil, err
	}
	// Link opened → paid within 7 days of the first opening in the period.
	if err := s.q.GetContext(ctx, k, `WITH opened AS (
			SELECT debtor_id, min(occurred_at) AS at FROM interactions
			WHERE creditor_id = $1 AND kind = 'link.opened' AND occurred_at >= $2 AND occurred_at < $3
			GROUP BY debtor_id)
		SELECT count(*) AS link_opened, count(*) FILTER (WHERE EXISTS (
			SELECT 1 FROM payments p WHERE p.creditor_id = $1 AND p.debtor_id = o.debtor_id
				AND p.status IN `+paidStatuses+`
				AND coalesce(p.paid_at, p.created_at) >= o.at
				AND coalesce(p.paid_at, p.created_at) < o.at + interval '7 days')) AS link_paid
		FROM opened o`, creditorID, p.Start, p.End); err != nil {
		return nil, err
	}
	// Disputes and plan requests, from the work queue.
	var flows []struct {
		Kind string `db:"kind"`
		TaskFlow
	}
	if err := s.q.SelectContext(ctx, &flows, `SELECT kind,
			count(*) FILTER (WHERE created_at >= $2 AND created_at < $3) AS opened,
			count(*) FILTER (WHERE done_at >= $2 AND done_at < $3) AS done,
			count(*) FILTER (WHERE done_at IS NULL) AS open_now
		FROM staff_tasks WHERE creditor_id = $1 AND kind IN ('dispute', 'plan_request') GROUP BY kind`,
		creditorID, p.Start, p.End); err != nil {
		return nil, err
	}
	for _, f := range flows {
		if f.Kind == "dispute" {
			k.Disputes = f.TaskFlow
		} else {
			k.PlanRequests = f.TaskFlow
		}
	}
	// Time to restore: per service.restorable signal in the period, the
	// payment booked last before it (the one that made the service
	// restorable: both are written in one transaction) and the first
	// "service active" the creditor reported after it.
	if err := s.q.GetContext(ctx, &k.Restore, `WITH sig AS (
			SELECT r.occurred_at AS at,
				(SELECT coalesce(p.paid_at, p.created_at) FROM interactions b
					JOIN payments p ON p.creditor_id = b.creditor_id AND p.public_id = b.data->>'payment_id'
					WHERE b.creditor_id = r.creditor_id AND b.debtor_id = r.debtor_id
						AND b.kind = 'payment.booked' AND b.occurred_at <= r.occurred_at
					ORDER BY b.occurred_at DESC, b.id DESC LIMIT 1) AS paid_at,
				(SELECT min(a.occurred_at) FROM interactions a
					WHERE a.creditor_id = r.creditor_id AND a.debtor_id = r.debtor_id
						AND a.kind = 'service.status' AND a.data->>'status' = 'active'
						AND a.occurred_at >= r.occurred_at) AS active_at
			FROM interactions r
			WHERE r.creditor_id = $1 AND r.kind = 'service.restorable' AND r.occurred_at >= $2 AND r.occurred_at < $3)
		SELECT count(*) AS signals, count(active_at) AS lifted,
			percentile_cont(0.5) WITHIN GROUP (ORDER BY greatest(0, extract(epoch FROM at - paid_at))) AS payment_to_signal,
			percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM active_at - at)) AS signal_to_active
		FROM sig`, creditorID, p.Start, p.End); err != nil {
		return nil, err
	}
	return k, nil
}
