package store

import (
	"context"
	"time"

	"github.com/lib/pq"
)

// PrintLetter is a dunning letter waiting in the outbox for print and
// mail (messages.status to_print), with its debtor.
type PrintLetter struct {
	ID             int64     `db:"id"`
	DebtorID       int64     `db:"debtor_id"`
	Recipient      string    `db:"recipient"` // name and address lines as the engine wrote them
	Subject        string    `db:"subject"`
	Body           string    `db:"body"` // the letter's paragraph
	CreatedAt      time.Time `db:"created_at"`
	CustomerNumber string    `db:"customer_number"`
	Name           string    `db:"name"`
	Kind           string    `db:"kind"` // consumer, business
	Language       string    `db:"language"`
	Items          []PrintLetterItem
}

// PrintLetterItem is one invoice of a letter: the action, the invoice
// and its ledger as of now.
type PrintLetterItem struct {
	MessageID     int64     `db:"message_id"`
	ActionID      int64     `db:"action_id"`
	Kind          string    `db:"kind"` // the stage's kind: reminder, final, …
	ActionAt      time.Time `db:"action_at"`
	FeeMinor      int64     `db:"fee_minor"`      // this action's fee
	InterestMinor int64     `db:"interest_minor"` // this action's interest
	InvoiceID     int64     `db:"invoice_id"`
	Number        string    `db:"number"`
	IssueDate     time.Time `db:"issue_date"`
	DueDate       time.Time `db:"due_date"`
	Currency      string    `db:"currency"`
	// The invoice's ledger: the invoice itself, what was paid, credited
	// or written off (negative), every fee and all interest booked, and
	// what live disputes hold.
	InvoiceMinor       int64 `db:"invoice_minor"`
	SettledMinor       int64 `db:"settled_minor"`
	FeesMinor          int64 `db:"fees_minor"`
	InterestTotalMinor int64 `db:"interest_total_minor"`
	HeldMinor          int64 `db:"held_minor"`
	// When the first reminder (or final notice) of the invoice went, and
	// by which channel: where default interest starts.
	FirstReminderAt      *time.Time `db:"first_reminder_at"`
	FirstReminderChannel *string    `db:"first_reminder_channel"`
}

// LettersToPrint lists a creditor's letters waiting for print, oldest
// first, up to the message id upTo (0: all), with their invoices.
func (s *Store) LettersToPrint(ctx context.Context, creditorID, upTo int64) (list []PrintLetter, err error) {
	defer wrap(&err, "LettersToPrint(%d, %d)", creditorID, upTo)
	if err := s.q.SelectContext(ctx, &list, `SELECT m.id, m.debtor_id, m.recipient, m.subject, m.body, m.created_at,
			d.customer_number, d.name, d.kind, d.language
		FROM messages m JOIN debtors d ON d.creditor_id = m.creditor_id AND d.id = m.debtor_id
		WHERE m.creditor_id = $1 AND m.channel = 'letter' AND m.status = 'to_print' AND ($2 = 0 OR m.id <= $2)
		ORDER BY m.id`, creditorID, upTo); err != nil {
		return nil, err
	}
	if err := s.letterItems(ctx, creditorID, list); err != nil {
		return nil, err
	}
	return list, nil
}

// Letter is one of the creditor's dunning letters, whatever its status
// (waiting for print, posted, cancelled), with its invoices; another
// creditor's or a message that is no dunning letter is not found.
func (s *Store) Letter(ctx context.Context, creditorID, messageID int64) (l *PrintLetter, err error) {
	defer wrap(&err, "Letter(%d, %d)", creditorID, messageID)
	list := make([]PrintLetter, 1)
	if err := s.q.GetContext(ctx, &list[0], `SELECT m.id, m.debtor_id, m.recipient, m.subject, m.body, m.created_at,
			d.customer_number, d.name, d.kind, d.language
		FROM messages m JOIN debtors d ON d.creditor_id = m.creditor_id AND d.id = m.debtor_id
		WHERE m.creditor_id = $1 AND m.id = $2 AND m.channel = 'letter' AND m.purpose = 'dunning'`, creditorID, messageID); err != nil {
		return nil, err
	}
	if err := s.letterItems(ctx, creditorID, list); err != nil {
		return nil, err
	}
	return &list[0], nil
}

// letterItems loads the invoices of the letters, with their ledgers.
func (s *Store) letterItems(ctx context.Context, creditorID int64, list []PrintLetter) error {
	if len(list) == 0 {
		return nil
	}
	ids := make([]int64, len(list))
	at := make(map[int64]int, len(list))
	for i, l := range list {
		ids[i], at[l.ID] = l.ID, i
	}
	var items []PrintLetterItem
	if err := s.q.SelectContext(ctx, &items, `SELECT a.message_id, a.id AS action_id, a.kind, a.created_at AS action_at,
			a.fee_minor, a.interest_minor, i.id AS invoice_id, i.number, i.issue_date, i.due_date, i.currency,
			COALESCE(l.invoice_minor, 0) AS invoice_minor, COALESCE(l.settled_minor, 0) AS settled_minor,
			COALESCE(l.fees_minor, 0) AS fees_minor, COALESCE(l.interest_minor, 0) AS interest_total_minor,
			COALESCE(h.held_minor, 0) AS held_minor, f.first_reminder_at, f.first_reminder_channel
		FROM dunning_actions a
		JOIN invoices i ON i.creditor_id = a.creditor_id AND i.id = a.invoice_id
		LEFT JOIN LATERAL (SELECT sum(amount_minor) FILTER (WHERE kind = 'invoice') AS invoice_minor,
				sum(amount_minor) FILTER (WHERE kind NOT IN ('invoice', 'fee', 'interest')) AS settled_minor,
				sum(amount_minor) FILTER (WHERE kind = 'fee') AS fees_minor,
				sum(amount_minor) FILTER (WHERE kind = 'interest') AS interest_minor
			FROM ledger_entries WHERE creditor_id = a.creditor_id AND invoice_id = i.id) l ON true
		LEFT JOIN LATERAL (SELECT sum(disputed_minor) AS held_minor FROM disputes
			WHERE creditor_id = a.creditor_id AND invoice_id = i.id AND status IN ('open', 'info_requested')) h ON true
		LEFT JOIN LATERAL (SELECT x.created_at AS first_reminder_at, x.channel AS first_reminder_channel FROM dunning_actions x
			WHERE x.creditor_id = a.creditor_id AND x.invoice_id = i.id AND x.kind IN ('reminder', 'final') AND x.status = 'sent'
			ORDER BY x.id LIMIT 1) f ON true
		WHERE a.creditor_id = $1 AND a.message_id = ANY($2)
		ORDER BY a.message_id, i.due_date, i.id`, creditorID, pq.Array(ids)); err != nil {
		return err
	}
	for _, it := range items {
		l := &list[at[it.MessageID]]
		l.Items = append(l.Items, it)
	}
	return nil
}

// LettersToPrintCount is how many letters of a creditor wait for print,
// and the newest one's id (what a later "mark as posted" covers).
func (s *Store) LettersToPrintCount(ctx context.Context, creditorID int64) (n int, newest int64, err error) {
	defer wrap(&err, "LettersToPrintCount(%d)", creditorID)
	var row struct {
		N      int   `db:"n"`
		Newest int64 `db:"newest"`
	}
	err = s.q.GetContext(ctx, &row, `SELECT count(*) AS n, COALESCE(max(id), 0) AS newest FROM messages
		WHERE creditor_id = $1 AND channel = 'letter' AND status = 'to_print'`, creditorID)
	return row.N, row.Newest, err
}

// MarkLettersPosted sets the creditor's letters among ids that still
// wait for print to sent (sent_at at, provider_id provider, such as
// "print:2026-12-29") and returns the ids it changed.
func (s *Store) MarkLettersPosted(ctx context.Context, creditorID int64, ids []int64, at time.Time, provider string) (done []int64, err error) {
	defer wrap(&err, "MarkLettersPosted(%d, %d)", creditorID, len(ids))
	err = s.q.SelectContext(ctx, &done, `UPDATE messages SET status = 'sent', sent_at = $3, provider_id = $4
		WHERE creditor_id = $1 AND id = ANY($2) AND channel = 'letter' AND status = 'to_print'
		RETURNING id`, creditorID, pq.Array(ids), at, provider)
	return done, err
}

// CancelPrintLetters cancels the creditor's letters among ids that still
// wait for print (status cancelled, the reason as last_error) and returns
// the ids it changed.
func (s *Store) CancelPrintLetters(ctx context.Context, creditorID int64, ids []int64, reason string) (done []int64, err error) {
	defer wrap(&err, "CancelPrintLetters(%d, %d)", creditorID, len(ids))
	if len(ids) == 0 {
		return nil, nil
	}
	err = s.q.SelectContext(ctx, &done, `UPDATE messages SET status = 'cancelled', last_error = $3
		WHERE creditor_id = $1 AND id = ANY($2) AND channel = 'letter' AND status = 'to_print'
		RETURNING id`, creditorID, pq.Array(ids), reason)
	return done, err
}
