package store

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/lib/pq"
)

// DunningCandidate is an open invoice the dunning engine looks at, with
// what it needs to know about its debtor, in one row.
type DunningCandidate struct {
	InvoiceID int64     `db:"invoice_id"`
	DebtorID  int64     `db:"debtor_id"`
	Number    string    `db:"number"`
	IssueDate time.Time `db:"issue_date"`
	DueDate   time.Time `db:"due_date"`
	Currency  string    `db:"currency"`
	OpenMinor int64     `db:"open_minor"` // the ledger's balance of the invoice (> 0)
	HeldMinor int64     `db:"held_minor"` // held by live disputes (never more than open)
	InPlan    bool      `db:"in_plan"`    // an active or requested plan holds it
	// Fees and default interest booked on the invoice so far.
	FeesMinor     int64 `db:"fees_minor"`
	InterestMinor int64 `db:"interest_minor"`
	// Done are the keys of the stages the engine already acted on;
	// FirstReminderAt is when the first reminder (or final notice) went.
	Done                 pq.StringArray `db:"done"`
	LastActionAt         *time.Time     `db:"last_action_at"`
	FirstReminderAt      *time.Time     `db:"first_reminder_at"`
	FirstReminderChannel *string        `db:"first_reminder_channel"`

	CustomerNumber   string `db:"customer_number"`
	Kind             string `db:"kind"` // consumer, business
	Name             string `db:"name"`
	Email            string `db:"email"`
	Phone            string `db:"phone"`
	Street           string `db:"street"`
	Postcode         string `db:"postcode"`
	City             string `db:"city"`
	Language         string `db:"language"`
	PreferredChannel string `db:"preferred_channel"`
	Segment          string `db:"segment"`
	Hardship         bool   `db:"hardship"`
	// LastSentAt is when the engine last sent this debtor anything.
	LastSentAt *time.Time `db:"last_sent_at"`
	// PromiseUntil is the date of the debtor's open promise to pay.
	PromiseUntil *time.Time `db:"promise_until"`
	// PausedUntil is staff's "pause reminders until" (inclusive).
	PausedUntil *time.Time `db:"dunning_paused_until"`
	// ReminderDay is the debtor's preferred day of the month (nil: none,
	// or the creditor does not offer the choice).
	ReminderDay *int `db:"reminder_day"`

	// The debtor's payment behaviour (debtor_behaviour; nil before the
	// first nightly computation).
	InvoicesPaid   *int     `db:"invoices_paid"`
	PaidLate       *int     `db:"paid_late"`
	Late12m        *int     `db:"late_12m"`
	UsualLagDays   *int     `db:"usual_lag_days"`
	MonthsPunctual *int     `db:"months_punctual"`
	TenureMonths   *int     `db:"tenure_months"`
	Propensity     *float64 `db:"propensity"`
}

// DunningCandidates streams all of a creditor's open invoices, ordered
// by debtor and due date, to fn (which may stop the walk
// by returning an error). It is one statement: the open amounts come
// from one pass over the creditor's ledger, the holds, the stages done
// and the behaviour from hash joins, so a million open invoices are read
// in seconds, not a million lookups.
func (s *Store) DunningCandidates(ctx context.Context, creditorID int64, fn func(*DunningCandidate) error) (err error) {
	defer wrap(&err, "DunningCandidates(%d)", creditorID)
	return s.dunningCandidates(ctx, creditorID, 0, fn)
}

// DunningCandidatesOf is DunningCandidates for one debtor (the back
// office's message preview).
func (s *Store) DunningCandidatesOf(ctx context.Context, creditorID, debtorID int64, fn func(*DunningCandidate) error) (err error) {
	defer wrap(&err, "DunningCandidatesOf(%d, %d)", creditorID, debtorID)
	return s.dunningCandidates(ctx, creditorID, debtorID, fn)
}

// dunningCandidates is the statement of DunningCandidates; debtorID 0
// means every debtor.
func (s *Store) dunningCandidates(ctx context.Context, creditorID, debtorID int64, fn func(*DunningCandidate) error) error {
	rows, err := s.q.QueryxContext(ctx, `WITH open AS (
			SELECT l.invoice_id, sum(l.amount_minor) AS open_minor,
				COALESCE(sum(l.amount_minor) FILTER (WHERE l.kind = 'fee'), 0) AS fees_minor,
				COALESCE(sum(l.amount_minor) FILTER (WHERE l.kind = 'interest'), 0) AS interest_minor
			FROM ledger_entries l
			WHERE l.creditor_id = $1 AND l.invoice_id IS NOT NULL AND ($2::bigint = 0 OR l.debtor_id = $2::bigint)
			GROUP BY l.invoice_id
			HAVING sum(l.amount_minor) > 0
		), held AS (
			SELECT x.invoice_id, sum(x.disputed_minor) AS held_minor FROM disputes x
			WHERE x.creditor_id = $1 AND x.status IN ('open', 'info_requested')
			GROUP BY x.invoice_id
		), planned AS (
			SELECT pi.invoice_id FROM plan_invoices pi WHERE pi.creditor_id = $1 AND pi.held
		), done AS (
			SELECT a.invoice_id, array_agg(a.stage) AS done, max(a.created_at) AS last_action_at,
				min(a.created_at) FILTER (WHERE a.kind IN ('reminder', 'final') AND a.status = 'sent') AS first_reminder_at,
				(array_agg(a.channel ORDER BY a.id) FILTER (WHERE a.kind IN ('reminder', 'final') AND a.status = 'sent'))[1]
					AS first_reminder_channel
			FROM dunning_actions a
			WHERE a.creditor_id = $1 GROUP BY a.invoice_id
		), sent AS (
			SELECT a.debtor_id, max(a.created_at) AS last_sent_at FROM dunning_actions a
			WHERE a.creditor_id = $1 AND a.status = 'sent' GROUP BY a.debtor_id
		), promised AS (
			SELECT p.debtor_id, max(p.due_date) AS promise_until FROM promises p
			WHERE p.creditor_id = $1 AND p.status = 'open' GROUP BY p.debtor_id
		)
		SELECT i.id AS invoice_id, i.debtor_id, i.number, i.issue_date, i.due_date, i.currency, o.open_minor,
			least(COALESCE(h.held_minor, 0), o.open_minor) AS held_minor, pl.invoice_id IS NOT NULL AS in_plan,
			o.fees_minor, o.interest_minor, COALESCE(dn.done, '{}') AS done, dn.last_action_at, dn.first_reminder_at, dn.first_reminder_channel,
			d.customer_number, d.kind, d.name, d.email, d.phone, d.street, d.postcode, d.city, d.language,
			d.preferred_channel, d.segment, d.hardship, se.last_sent_at, pr.promise_until, d.dunning_paused_until,
			CASE WHEN cr.reminder_day_choice THEN d.reminder_day END AS reminder_day,
			b.invoices_paid, b.paid_late, b.late_12m, b.usual_lag_days, b.months_punctual, b.tenure_months, b.propensity
		FROM open o
		JOIN invoices i ON i.id = o.invoice_id
		JOIN debtors d ON d.creditor_id = i.creditor_id AND d.id = i.debtor_id
		JOIN creditors cr ON cr.id = i.creditor_id
		LEFT JOIN held h ON h.invoice_id = i.id
		LEFT JOIN planned pl ON pl.invoice_id = i.id
		LEFT JOIN done dn ON dn.invoice_id = i.id
		LEFT JOIN sent se ON se.debtor_id = i.debtor_id
		LEFT JOIN promised pr ON pr.debtor_id = i.debtor_id
		LEFT JOIN debtor_behaviour b ON b.creditor_id = i.creditor_id AND b.debtor_id = i.debtor_id
		WHERE i.creditor_id = $1 AND ($2::bigint = 0 OR i.debtor_id = $2::bigint)
		ORDER BY i.debtor_id, i.due_date, i.id`, creditorID, debtorID)
	if err != nil {
		return err
	}
	defer rows.Close()
	var c DunningCandidate
	for rows.Next() {
		c = DunningCandidate{}
		if err := rows.StructScan(&c); err != nil {
			return err
		}
		if err := fn(&c); err != nil {
			return err
		}
	}
	return rows.Err()
}

// DunningAction is what the engine did for an invoice at a stage.
type DunningAction struct {
	ID            int64     `db:"id"`
	CreditorID    int64     `db:"creditor_id"`
	DebtorID      int64     `db:"debtor_id"`
	InvoiceID     int64     `db:"invoice_id"`
	RunID         *int64    `db:"run_id"`
	PolicyKey     string    `db:"policy_key"`
	PolicyVersion int       `db:"policy_version"`
	Stage         string    `db:"stage"`
	Kind          string    `db:"kind"`
	Experiment    string    `db:"experiment"`
	Variant       string    `db:"variant"`
	Channel       string    `db:"channel"`
	Tone          string    `db:"tone"`
	Template      string    `db:"template"`
	OpenMinor     int64     `db:"open_minor"`
	FeeMinor      int64     `db:"fee_minor"`
	InterestMinor int64     `db:"interest_minor"`
	Currency      string    `db:"currency"`
	Status        string    `db:"status"` // sent, skipped
	SkipReason    string    `db:"skip_reason"`
	MessageID     *int64    `db:"message_id"`
	LinkID        *int64    `db:"link_id"`
	CreatedAt     time.Time `db:"created_at"`
}

const dunningActionColumns = `id, creditor_id, debtor_id, invoice_id, run_id, policy_key, policy_version, stage, kind,
	experiment, variant, channel, tone, template, open_minor, fee_minor, interest_minor, currency, status, skip_reason,
	message_id, link_id, created_at`

// ClaimDunningActions inserts the actions (created_at: their CreatedAt,
// the instant the run acts as of, or now) and returns those that were
// new: an action whose (invoice, stage) exists already is left out, so
// of two runs at once exactly one gets each action (and sends its
// message, in the same transaction). Set-based: one statement for the
// whole batch.
func (s *Store) ClaimDunningActions(ctx context.Context, list []DunningAction) (claimed []DunningAction, err error) {
	defer wrap(&err, "ClaimDunningActions(%d)", len(list))
	if len(list) == 0 {
		return nil, nil
	}
	n := len(list)
	var (
		creditor, debtor, invoice, run, version, open, fee, interest = make([]int64, n), make([]int64, n), make([]int64, n),
			make([]*int64, n), make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
		created, msg, link                                                                          = make([]string, n), make([]string, n), make([]string, n)
		policy, stage, kind, experiment, variant, channel, tone, template, currency, status, reason = make([]string, n),
			make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n),
			make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	)
	for i, a := range list {
		creditor[i], debtor[i], invoice[i], run[i], version[i] = a.CreditorID, a.DebtorID, a.InvoiceID, a.RunID, int64(a.PolicyVersion)
		open[i], fee[i], interest[i] = a.OpenMinor, a.FeeMinor, a.InterestMinor
		policy[i], stage[i], kind[i], experiment[i], variant[i] = a.PolicyKey, a.Stage, a.Kind, a.Experiment, a.Variant
		channel[i], tone[i], template[i], currency[i], status[i], reason[i] = a.Channel, a.Tone, a.Template, a.Currency, a.Status, a.SkipReason
		if !a.CreatedAt.IsZero() {
			created[i] = a.CreatedAt.UTC().Format(time.RFC3339Nano)
		}
		if a.MessageID != nil {
			msg[i] = strconv.FormatInt(*a.MessageID, 10)
		}
		if a.LinkID != nil {
			link[i] = strconv.FormatInt(*a.LinkID, 10)
		}
	}
	runs := make([]string, n) // nullable bigints travel as text
	for i, r := range run {
		if r != nil {
			runs[i] = strconv.FormatInt(*r, 10)
		}
	}
	err = s.q.SelectContext(ctx, &claimed, `INSERT INTO dunning_actions (creditor_id, debtor_id, invoice_id, run_id,
			policy_key, policy_version, stage, kind, experiment, variant, channel, tone, template, open_minor, fee_minor,
			interest_minor, currency, status, skip_reason, created_at, message_id, link_id)
		SELECT c, d, i, NULLIF(r, '')::bigint, p, v, s, k, e, va, ch, t, te, o, f, it, cu, st, re,
			COALESCE(NULLIF(ca, '')::timestamptz, now()), NULLIF(m, '')::bigint, NULLIF(l, '')::bigint
		FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::int[], $7::text[], $8::text[],
			$9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::bigint[], $15::bigint[], $16::bigint[],
			$17::text[], $18::text[], $19::text[], $20::text[], $21::text[], $22::text[])
			AS x(c, d, i, r, p, v, s, k, e, va, ch, t, te, o, f, it, cu, st, re, ca, m, l)
		ON CONFLICT (invoice_id, stage) DO NOTHING
		RETURNING `+dunningActionColumns,
		pq.Array(creditor), pq.Array(debtor), pq.Array(invoice), pq.Array(runs), pq.Array(policy), pq.Array(version),
		pq.Array(stage), pq.Array(kind), pq.Array(experiment), pq.Array(variant), pq.Array(channel), pq.Array(tone),
		pq.Array(template), pq.Array(open), pq.Array(fee), pq.Array(interest), pq.Array(currency), pq.Array(status),
		pq.Array(reason), pq.Array(created), pq.Array(msg), pq.Array(link))
	return claimed, err
}

// DunningActions lists an invoice's actions, oldest first.
func (s *Store) DunningActions(ctx context.Context, creditorID, invoiceID int64) (list []DunningAction, err error) {
	defer wrap(&err, "DunningActions(%d, %d)", creditorID, invoiceID)
	err = s.q.SelectContext(ctx, &list, `SELECT `+dunningActionColumns+` FROM dunning_actions
		WHERE creditor_id = $1 AND invoice_id = $2 ORDER BY id`, creditorID, invoiceID)
	return list, err
}

// DunningRun is one run of the engine.
type DunningRun struct {
	ID         int64           `db:"id"`
	CreditorID int64           `db:"creditor_id"`
	AsOf       time.Time       `db:"as_of"`
	DryRun     bool            `db:"dry_run"`
	StartedAt  time.Time       `db:"started_at"`
	FinishedAt *time.Time      `db:"finished_at"`
	Stats      json.RawMessage `db:"stats"`
}

// StartDunningRun records the start of a run.
func (s *Store) StartDunningRun(ctx context.Context, creditorID int64, asOf time.Time, dryRun bool) (id int64, err error) {
	defer wrap(&err, "StartDunningRun(%d)", creditorID)
	err = s.q.GetContext(ctx, &id, `INSERT INTO dunning_runs (creditor_id, as_of, dry_run) VALUES ($1, $2, $3) RETURNING id`,
		creditorID, asOf, dryRun)
	return id, err
}

// FinishDunningRun records a run's end and what it did.
func (s *Store) FinishDunningRun(ctx context.Context, id int64, stats any, at time.Time) (err error) {
	defer wrap(&err, "FinishDunningRun(%d)", id)
	b, err := json.Marshal(stats)
	if err != nil {
		return err
	}
	_, err = s.q.ExecContext(ctx, `UPDATE dunning_runs SET finished_at = $2, stats = $3 WHERE id = $1`, id, at, b)
	return err
}

// DunningDocument is a creditor's stored policy or settings document.
type DunningDocument struct {
	Key        string          `db:"key"`
	Version    int             `db:"version"`
	Definition json.RawMessage `db:"definition"`
	UpdatedAt  time.Time       `db:"updated_at"`
	UpdatedBy  *int64          `db:"updated_by"`
}

// DunningPolicies lists a creditor's stored policies (none: the
// defaults apply).
func (s *Store) DunningPolicies(ctx context.Context, creditorID int64) (list []DunningDocument, err error) {
	defer wrap(&err, "DunningPolicies(%d)", creditorID)
	err = s.q.SelectContext(ctx, &list, `SELECT key, version, definition, updated_at, updated_by
		FROM dunning_policies WHERE creditor_id = $1 ORDER BY key`, creditorID)
	return list, err
}

// SaveDunningPolicy stores a policy document, raising its version.
func (s *Store) SaveDunningPolicy(ctx context.Context, creditorID int64, key string, definition []byte, by *int64) (version int, err error) {
	defer wrap(&err, "SaveDunningPolicy(%d, %q)", creditorID, key)
	err = s.q.GetContext(ctx, &version, `INSERT INTO dunning_policies (creditor_id, key, definition, updated_by)
		VALUES ($1, $2, $3, $4)
		ON CONFLICT (creditor_id, key) DO UPDATE SET definition = EXCLUDED.definition, updated_by = EXCLUDED.updated_by,
			version = dunning_policies.version + 1, updated_at = now()
		RETURNING version`, creditorID, key, definition, by)
	return version, err
}

// DeleteDunningPolicy removes a stored policy.
func (s *Store) DeleteDunningPolicy(ctx context.Context, creditorID int64, key string) (err error) {
	defer wrap(&err, "DeleteDunningPolicy(%d, %q)", creditorID, key)
	_, err = s.q.ExecContext(ctx, `DELETE FROM dunning_policies WHERE creditor_id = $1 AND key = $2`, creditorID, key)
	return err
}

// DunningSettings is a creditor's stored settings document (nil: none).
func (s *Store) DunningSettings(ctx context.Context, creditorID int64) (doc *DunningDocument, err error) {
	defer wrap(&err, "DunningSettings(%d)", creditorID)
	var list []DunningDocument
	if err := s.q.SelectContext(ctx, &list, `SELECT '' AS key, version, config AS definition, updated_at, updated_by
		FROM dunning_settings WHERE creditor_id = $1`, creditorID); err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, nil
	}
	return &list[0], nil
}

// SaveDunningSettings stores the settings document, raising its version.
func (s *Store) SaveDunningSettings(ctx context.Context, creditorID int64, config []byte, by *int64) (version int, err error) {
	defer wrap(&err, "SaveDunningSettings(%d)", creditorID)
	err = s.q.GetContext(ctx, &version, `INSERT INTO dunning_settings (creditor_id, config, updated_by) VALUES ($1, $2, $3)
		ON CONFLICT (creditor_id) DO UPDATE SET config = EXCLUDED.config, updated_by = EXCLUDED.updated_by,
			version = dunning_settings.version + 1, updated_at = now()
		RETURNING version`, creditorID, config, by)
	return version, err
}

// ComputeDebtorBehaviour refreshes debtor_behaviour for every debtor of
// a creditor with an invoice, as of now, in one statement: how many
// invoices they paid in the last two years and how many of those late
// (more than 3 days after the due date), how many were late (paid late
// or still overdue by more than 3 days) in the last 12 months, their
// usual lag (80th percentile of paid-on minus due date over their last
// 12 paid invoices) and the full months since their last late payment.
// An invoice counts as paid on the value date of the payment that
// settled it (its last payment allocation).
func (s *Store) ComputeDebtorBehaviour(ctx context.Context, creditorID int64, now time.Time, today time.Time) (n int64, err error) {
	defer wrap(&err, "ComputeDebtorBehaviour(%d)", creditorID)
	res, err := s.q.ExecContext(ctx, `WITH inv AS (
			SELECT i.debtor_id, i.id, i.due_date, sum(l.amount_minor) AS open_minor,
				max(l.value_date) FILTER (WHERE l.kind = 'payment') AS paid_on
			FROM invoices i JOIN ledger_entries l ON l.invoice_id = i.id
			WHERE i.creditor_id = $1 AND i.due_date > $3::date - 730 AND i.due_date <= $3::date
			GROUP BY i.debtor_id, i.id, i.due_date
		), facts AS (
			SELECT debtor_id, id, due_date, paid_on,
				CASE WHEN open_minor <= 0 THEN paid_on - due_date END AS lag,
				(open_minor <= 0 AND paid_on - due_date > 3) OR (open_minor > 0 AND $3::date - due_date > 3) AS late,
				row_number() OVER (PARTITION BY debtor_id, open_minor <= 0 ORDER BY due_date DESC) AS recent
			FROM inv
		), first AS (
			SELECT debtor_id, min(issue_date) AS first_issued FROM invoices WHERE creditor_id = $1 GROUP BY debtor_id
		)
		INSERT INTO debtor_behaviour (creditor_id, debtor_id, computed_at, invoices_paid, paid_late, late_12m,
			usual_lag_days, months_punctual, tenure_months)
		SELECT $1, debtor_id, $2,
			count(*) FILTER (WHERE lag IS NOT NULL),
			count(*) FILTER (WHERE lag IS NOT NULL AND late),
			count(*) FILTER (WHERE late AND due_date > $3::date - 365),
			ceil(percentile_cont(0.8) WITHIN GROUP (ORDER BY lag) FILTER (WHERE lag IS NOT NULL AND recent <= 12))::int,
			(extract(year FROM age($3::date, COALESCE(max(due_date) FILTER (WHERE late), min(due_date)))) * 12
				+ extract(month FROM age($3::date, COALESCE(max(due_date) FILTER (WHERE late), min(due_date)))))::int,
			(extract(year FROM age($3::date, first.first_issued)) * 12 + extract(month FROM age($3::date, first.first_issued)))::int
		FROM facts JOIN first USING (debtor_id) GROUP BY debtor_id, first.first_issued
		ON CONFLICT (creditor_id, debtor_id) DO UPDATE SET computed_at = EXCLUDED.computed_at,
			invoices_paid = EXCLUDED.invoices_paid, paid_late = EXCLUDED.paid_late, late_12m = EXCLUDED.late_12m,
			usual_lag_days = EXCLUDED.usual_lag_days, months_punctual = EXCLUDED.months_punctual,
			tenure_months = EXCLUDED.tenure_months`,
		creditorID, now, today.Format(time.DateOnly))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// DunningMessage is a message the engine sends for some of its actions,
// with the fresh link it carries.
type DunningMessage struct {
	ID, LinkID int64 // taken with DunningIDs before the actions were claimed
	DebtorID   int64
	// The link: its token's hash, the channel it travels by, its end.
	TokenHash []byte
	ExpiresAt time.Time
	// The message; Status is queued (email, SMS) or to_print (letters).
	Channel, Recipient, Subject, Body, HTMLBody, Status string
}

// DunningBooking is a fee or default interest the engine books on an
// invoice with an action.
type DunningBooking struct {
	ActionID, DebtorID, InvoiceID int64
	Kind                          string // fee, interest
	AmountMinor                   int64
	Currency                      string
	ValueDate                     time.Time
	Reference                     string
}

// DunningIDs takes n ids for messages and n for their links, so that the
// actions can be claimed pointing at them (the foreign keys are checked
// at commit) and no action needs updating afterwards.
func (s *Store) DunningIDs(ctx context.Context, n int) (messages, links []int64, err error) {
	defer wrap(&err, "DunningIDs(%d)", n)
	if n == 0 {
		return nil, nil, nil
	}
	if err := s.q.SelectContext(ctx, &messages, `SELECT nextval(pg_get_serial_sequence('messages', 'id'))
		FROM generate_series(1, $1)`, n); err != nil {
		return nil, nil, err
	}
	err = s.q.SelectContext(ctx, &links, `SELECT nextval(pg_get_serial_sequence('access_links', 'id'))
		FROM generate_series(1, $1)`, n)
	return messages, links, err
}

// RecordDunningSends writes what a batch of claimed actions sends, in a
// handful of statements whatever the batch's size: the links and the
// messages the actions were claimed with (whose insert queues their
// delivery), the fees and interest on the ledger and the timeline
// entries. Call it in the transaction that claimed the actions.
func (s *Store) RecordDunningSends(ctx context.Context, creditorID int64, msgs []DunningMessage, bookings []DunningBooking, timeline []DunningTimelineEntry) (err error) {
	defer wrap(&err, "RecordDunningSends(%d, %d)", creditorID, len(msgs))
	if n := len(msgs); n > 0 {
		linkIDs, msgIDs := make([]int64, n), make([]int64, n)
		debtor, hashes, channel, expires := make([]int64, n), make([][]byte, n), make([]string, n), make([]string, n)
		recipient, subject, body, html, status := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		for i, m := range msgs {
			linkIDs[i], msgIDs[i] = m.LinkID, m.ID
			debtor[i], hashes[i], channel[i], expires[i] = m.DebtorID, m.TokenHash, m.Channel, m.ExpiresAt.UTC().Format(time.RFC3339Nano)
			recipient[i], subject[i], body[i], html[i], status[i] = m.Recipient, m.Subject, m.Body, m.HTMLBody, m.Status
		}
		if _, err := s.q.ExecContext(ctx, `INSERT INTO access_links (id, creditor_id, debtor_id, token_hash, purpose, channel, expires_at)
			SELECT id, $1, d, h, 'portal', ch, e::timestamptz FROM unnest($2::bigint[], $3::bigint[], $4::bytea[], $5::text[], $6::text[])
				AS x(id, d, h, ch, e)`,
			creditorID, pq.Array(linkIDs), pq.Array(debtor), pq.Array(hashes), pq.Array(channel), pq.Array(expires)); err != nil {
			return err
		}
		if _, err := s.q.ExecContext(ctx, `INSERT INTO messages (id, creditor_id, debtor_id, channel, recipient, subject, body,
				html_body, purpose, status)
			SELECT id, $1, d, ch, r, su, b, h, 'dunning', st FROM unnest($2::bigint[], $3::bigint[], $4::text[], $5::text[],
				$6::text[], $7::text[], $8::text[], $9::text[]) AS x(id, d, ch, r, su, b, h, st)`,
			creditorID, pq.Array(msgIDs), pq.Array(debtor), pq.Array(channel), pq.Array(recipient), pq.Array(subject),
			pq.Array(body), pq.Array(html), pq.Array(status)); err != nil {
			return err
		}
	}
	if n := len(bookings); n > 0 {
		action, debtor, invoice, amount := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
		kind, currency, ref, date := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		for i, b := range bookings {
			action[i], debtor[i], invoice[i], amount[i] = b.ActionID, b.DebtorID, b.InvoiceID, b.AmountMinor
			kind[i], currency[i], ref[i], date[i] = b.Kind, b.Currency, b.Reference, b.ValueDate.Format(time.DateOnly)
		}
		if _, err := s.q.ExecContext(ctx, `INSERT INTO ledger_entries (creditor_id, debtor_id, invoice_id, kind, amount_minor,
				currency, value_date, reference, dunning_action_id)
			SELECT $1, d, i, k, a, c, v::date, r, ac FROM unnest($2::bigint[], $3::bigint[], $4::text[], $5::bigint[],
				$6::text[], $7::text[], $8::text[], $9::bigint[]) AS x(d, i, k, a, c, v, r, ac)`,
			creditorID, pq.Array(debtor), pq.Array(invoice), pq.Array(kind), pq.Array(amount), pq.Array(currency),
			pq.Array(date), pq.Array(ref), pq.Array(action)); err != nil {
			return err
		}
	}
	if n := len(timeline); n > 0 {
		debtor, invoice := make([]int64, n), make([]int64, n)
		kind, channel, data, vis := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		for i, t := range timeline {
			vis[i] = "customer"
			if t.Internal {
				vis[i] = "internal"
			}
			b, err := json.Marshal(t.Data)
			if err != nil {
				return err
			}
			debtor[i], invoice[i], kind[i], channel[i], data[i] = t.DebtorID, t.InvoiceID, t.Kind, t.Channel, string(b)
		}
		if _, err := s.q.ExecContext(ctx, `INSERT INTO interactions (creditor_id, debtor_id, invoice_id, kind, channel, actor,
				visibility, data)
			SELECT $1, d, i, k, ch, 'system', v, da::jsonb FROM unnest($2::bigint[], $3::bigint[], $4::text[],
				$5::text[], $6::text[], $7::text[]) AS x(d, i, k, ch, da, v)`,
			creditorID, pq.Array(debtor), pq.Array(invoice), pq.Array(kind), pq.Array(channel), pq.Array(data),
			pq.Array(vis)); err != nil {
			return err
		}
	}
	return nil
}

// DunningTimelineEntry is a customer-visible timeline entry for an
// action (a reminder sent, a fee charged).
type DunningTimelineEntry struct {
	DebtorID, InvoiceID int64
	Kind, Channel       string
	Data                map[string]any
	Internal            bool // for staff only (a stage that could not be sent)
}

// DunnableNow re-reads, right before the engine sends, what of each of
// the invoices may still be dunned: the open amount less what live
// disputes hold. Invoices paid meanwhile, fully disputed, taken into a
// plan, or of a debtor who has since promised to pay, been paused by
// staff (through today, the creditor's civil date) or flagged hardship
// (when hardshipPauses) are left out.
func (s *Store) DunnableNow(ctx context.Context, creditorID int64, invoiceIDs []int64, today time.Time, hardshipPauses bool) (m map[int64]int64, err error) {
	defer wrap(&err, "DunnableNow(%d, %d)", creditorID, len(invoiceIDs))
	var rows []struct {
		ID    int64 `db:"id"`
		Minor int64 `db:"minor"`
	}
	err = s.q.SelectContext(ctx, &rows, `SELECT i.id, o.open - COALESCE(h.held, 0) AS minor
		FROM invoices i
		CROSS JOIN LATERAL (SELECT sum(l.amount_minor) AS open FROM ledger_entries l WHERE l.invoice_id = i.id) AS o
		LEFT JOIN LATERAL (SELECT sum(x.disputed_minor) AS held FROM disputes x
			WHERE x.invoice_id = i.id AND x.status IN ('open', 'info_requested')) AS h ON true
		WHERE i.creditor_id = $1 AND i.id = ANY($2)
			AND o.open - COALESCE(h.held, 0) > 0
			AND NOT EXISTS (SELECT 1 FROM plan_invoices pi WHERE pi.invoice_id = i.id AND pi.held)
			AND NOT EXISTS (SELECT 1 FROM promises p WHERE p.creditor_id = $1 AND p.debtor_id = i.debtor_id AND p.status = 'open')
			AND NOT EXISTS (SELECT 1 FROM debtors d WHERE d.creditor_id = $1 AND d.id = i.debtor_id
				AND ((d.hardship AND $4) OR d.dunning_paused_until >= $3::date))`,
		creditorID, pq.Array(invoiceIDs), today.Format(time.DateOnly), hardshipPauses)
	m = make(map[int64]int64, len(rows))
	for _, r := range rows {
		m[r.ID] = r.Minor
	}
	return m, err
}

// DunningMessageInvoices are the invoices of the actions one of a
// creditor's dunning messages was sent for.
func (s *Store) DunningMessageInvoices(ctx context.Context, creditorID, messageID int64) (ids []int64, err error) {
	defer wrap(&err, "DunningMessageInvoices(%d, %d)", creditorID, messageID)
	err = s.q.SelectContext(ctx, &ids, `SELECT invoice_id FROM dunning_actions WHERE creditor_id = $1 AND message_id = $2`,
		creditorID, messageID)
	return ids, err
}
