package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/settle/settle/internal/ar"
)

// Event is an entry of a creditor's event outbox.
type Event struct {
	ID         int64           `db:"id" json:"-"`
	PublicID   string          `db:"public_id" json:"id"`
	CreditorID int64           `db:"creditor_id" json:"-"`
	DebtorID   *int64          `db:"debtor_id" json:"-"`
	DebtorSeq  *int64          `db:"debtor_seq" json:"debtor_sequence,omitempty"`
	Type       string          `db:"type" json:"type"`
	Data       json.RawMessage `db:"data" json:"data"`
	CreatedAt  time.Time       `db:"created_at" json:"created_at"`
}

// AddEvent inserts an event into the outbox. Call it in the transaction
// of the change it reports (InTx), so the event exists exactly when the
// change does. For a debtor's event the debtor's sequence number is
// taken under its row lock, so a debtor's events are numbered without
// gaps in commit order.
func (s *Store) AddEvent(ctx context.Context, creditorID int64, debtorID *int64, typ string, data any) (ev *Event, err error) {
	defer wrap(&err, "AddEvent(%d, %q)", creditorID, typ)
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, err
	}
	if data == nil {
		raw = []byte("{}")
	}
	ev = &Event{PublicID: ar.NewPublicID("evt"), CreditorID: creditorID, DebtorID: debtorID, Type: typ, Data: raw}
	if debtorID != nil {
		var seq int64
		if err := s.q.GetContext(ctx, &seq, `UPDATE debtors SET event_seq = event_seq + 1
			WHERE creditor_id = $1 AND id = $2 RETURNING event_seq`, creditorID, *debtorID); err != nil {
			return nil, err
		}
		ev.DebtorSeq = &seq
	}
	err = s.q.GetContext(ctx, ev, `INSERT INTO events (public_id, creditor_id, debtor_id, debtor_seq, type, data)
		VALUES ($1, $2, $3, $4, $5, $6)
		RETURNING id, public_id, creditor_id, debtor_id, debtor_seq, type, data, created_at`,
		ev.PublicID, creditorID, debtorID, ev.DebtorSeq, typ, raw)
	return ev, err
}

// Events returns a creditor's events after the outbox id after, oldest
// first.
func (s *Store) Events(ctx context.Context, creditorID, after int64, limit int) (list []Event, err error) {
	defer wrap(&err, "Events(%d, %d)", creditorID, after)
	err = s.q.SelectContext(ctx, &list, `SELECT id, public_id, creditor_id, debtor_id, debtor_seq, type, data, created_at
		FROM events WHERE creditor_id = $1 AND id > $2 ORDER BY id LIMIT $3`, creditorID, after, limit)
	return list, err
}

// EventByID returns one event by its outbox id.
func (s *Store) EventByID(ctx context.Context, id int64) (ev *Event, err error) {
	defer wrap(&err, "EventByID(%d)", id)
	ev = new(Event)
	err = s.q.GetContext(ctx, ev, `SELECT id, public_id, creditor_id, debtor_id, debtor_seq, type, data, created_at
		FROM events WHERE id = $1`, id)
	return ev, err
}
