package backoffice

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/portal"
	"github.com/settle/settle/internal/store"
)

// Service is the back office's work on debtors.
type Service struct {
	Store  *store.Store
	Portal *portal.Service
	Now    func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Actor is the staff member doing something, on a creditor's data.
type Actor struct {
	StaffID    int64
	CreditorID int64
	Email      string
}

// Timeline kinds written by the back office.
const (
	KindCall          = "call.logged"
	KindCallNote      = "call.note"
	KindPromise       = "promise.made"
	KindCallback      = "callback.scheduled"
	KindNote          = "note.added"
	KindLinkSent      = "link.sent"
	KindAssistStarted = "assist.started"
	KindLinksRevoked  = "link.revoked"
	maxNote           = 2000
)

// View is everything the debtor view shows.
type View struct {
	Creditor *ar.Creditor
	Debtor   *ar.Debtor
	Summary  ar.Summary
	Invoices []ar.Invoice
	Today    time.Time
	Payments []store.Payment
	Promises []store.Promise
	Tasks    []store.Task
	Timeline []store.TimelineEntry
	// PromiseFirst and PromiseLast bound a promise taken on the phone
	// today (ar.PromiseWindow: the plan policy's longest deferral).
	PromiseFirst, PromiseLast time.Time
}

// TimelineFilters are the kinds staff can filter the timeline by.
var TimelineFilters = map[string][]string{
	"calls":    {"call.", "callback.", "promise."},
	"messages": {"link.sent", "message.", "stepup.code_sent", "reminder."},
	"payments": {"payment.", "credit_note.", "service."},
	"links":    {"link.", "stepup.", "assist.", "invoice.copy_downloaded", "statement.downloaded"},
	"notes":    {"note.", "call.note", "task."},
	"invoices": {"invoice."},
}

// View loads a debtor for the debtor view; filter is a TimelineFilters
// key or "" for everything.
func (s *Service) View(ctx context.Context, creditorID, debtorID int64, filter string) (*View, error) {
	acc, err := s.Portal.Account(ctx, creditorID, debtorID)
	if err != nil {
		return nil, err
	}
	v := &View{Creditor: acc.Creditor, Debtor: acc.Debtor, Summary: acc.Summary, Invoices: acc.Invoices, Today: acc.Today}
	if v.Payments, err = s.Store.DebtorPayments(ctx, creditorID, debtorID, 50); err != nil {
		return nil, err
	}
	if v.Promises, err = s.Store.Promises(ctx, creditorID, debtorID); err != nil {
		return nil, err
	}
	if v.Tasks, err = s.Store.DebtorOpenTasks(ctx, creditorID, debtorID); err != nil {
		return nil, err
	}
	if v.Timeline, err = s.Store.StaffTimeline(ctx, creditorID, debtorID, TimelineFilters[filter], 300); err != nil {
		return nil, err
	}
	pol, err := s.Store.PlanPolicy(ctx, creditorID)
	if err != nil {
		return nil, err
	}
	v.PromiseFirst, v.PromiseLast = ar.PromiseWindow(v.Today, pol)
	return v, nil
}

// Call directions and outcomes.
var (
	Directions = []string{"inbound", "outbound"}
	Outcomes   = []string{"reached", "promise", "callback", "no_answer", "wrong_number"}
)

// Call is a phone call to log.
type Call struct {
	Direction    string
	Outcome      string
	Number       string // the number called or calling, as typed or sent by the CTI
	Note         string // internal: never shown to the debtor
	PromiseDate  time.Time
	PromiseMinor int64
	CallbackAt   time.Time
}

func oneOf(v string, list []string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// Validate checks a call against now and the window a promise may name
// (ar.PromiseWindow, the same as in the portal); every problem names its
// field.
func (c *Call) Validate(now, first, last time.Time) error {
	var errs ar.Invalids
	if !oneOf(c.Direction, Directions) {
		errs = append(errs, ar.FieldError("direction", "error.staff.call.direction", nil))
	}
	if !oneOf(c.Outcome, Outcomes) {
		errs = append(errs, ar.FieldError("outcome", "error.staff.call.outcome", nil))
	}
	if utf8.RuneCountInString(c.Note) > maxNote {
		errs = append(errs, ar.FieldError("note", "error.staff.note.too_long", map[string]any{"Max": maxNote}))
	}
	if len(c.Number) > 40 {
		errs = append(errs, ar.FieldError("number", "error.staff.call.number", nil))
	}
	switch c.Outcome {
	case "promise":
		if c.PromiseMinor <= 0 {
			errs = append(errs, ar.FieldError("promise_amount", "error.staff.promise.amount", nil))
		}
		days := int(last.Sub(first).Hours()/24 + 0.5)
		switch {
		case c.PromiseDate.IsZero() || c.PromiseDate.Before(first):
			errs = append(errs, ar.FieldError("promise_date", "error.staff.promise.date", map[string]any{"Days": days}))
		case c.PromiseDate.After(last):
			errs = append(errs, ar.FieldError("promise_date", "error.staff.promises_more.date_far", map[string]any{"Days": days}))
		}
	case "callback":
		if c.CallbackAt.IsZero() || !c.CallbackAt.After(now) || c.CallbackAt.After(now.AddDate(0, 3, 0)) {
			errs = append(errs, ar.FieldError("callback_at", "error.staff.callback.when", nil))
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// LogCall records a call on the timeline (customer-visible: the debtor
// sees that and when we spoke, not the note), with what came of it: a
// promise to pay, a callback in the queue.
func (s *Service) LogCall(ctx context.Context, a Actor, debtorID int64, c Call) error {
	c.Note = strings.TrimSpace(c.Note)
	cr, err := s.Store.Creditor(ctx, a.CreditorID)
	if err != nil {
		return err
	}
	now := s.now()
	pol, err := s.Store.PlanPolicy(ctx, a.CreditorID)
	if err != nil {
		return err
	}
	first, last := ar.PromiseWindow(cr.Today(now), pol)
	if err := c.Validate(now, first, last); err != nil {
		return err
	}
	return s.Store.InTx(ctx, func(tx *store.Store) error {
		d, err := tx.Debtor(ctx, a.CreditorID, debtorID)
		if err != nil {
			return err
		}
		visibility := ar.VisibleToCustomer
		if c.Outcome == "wrong_number" || c.Outcome == "no_answer" {
			visibility = ar.InternalOnly // nothing the debtor took part in
		}
		call := &ar.Interaction{CreditorID: a.CreditorID, DebtorID: d.ID, Kind: KindCall, Channel: "phone",
			Actor: "staff", StaffID: &a.StaffID, Visibility: visibility,
			Data: map[string]any{"direction": c.Direction, "outcome": c.Outcome}}
		if err := tx.AddInteraction(ctx, call); err != nil {
			return err
		}
		after := map[string]any{"direction": c.Direction, "outcome": c.Outcome, "interaction": call.ID}
		if c.Number != "" {
			// The number stays internal: it may not be the debtor's own.
			after["number"] = c.Number
		}
		if c.Note != "" {
			if err := tx.AddInteraction(ctx, &ar.Interaction{CreditorID: a.CreditorID, DebtorID: d.ID, Kind: KindCallNote,
				Channel: "phone", Actor: "staff", StaffID: &a.StaffID, Visibility: ar.InternalOnly,
				Data: map[string]any{"text": c.Note, "number": c.Number}}); err != nil {
				return err
			}
		}
		switch c.Outcome {
		case "promise":
			p := &store.Promise{CreditorID: a.CreditorID, DebtorID: d.ID, AmountMinor: c.PromiseMinor,
				Currency: cr.Currency, DueDate: c.PromiseDate, Source: "call", StaffID: &a.StaffID}
			if err := tx.CreatePromise(ctx, p); err != nil {
				return err
			}
			if err := tx.AddInteraction(ctx, &ar.Interaction{CreditorID: a.CreditorID, DebtorID: d.ID, Kind: KindPromise,
				Channel: "phone", Actor: "staff", StaffID: &a.StaffID, Visibility: ar.VisibleToCustomer,
				Data: map[string]any{"amount_minor": c.PromiseMinor, "currency": cr.Currency,
					"date": c.PromiseDate.Format(time.DateOnly), "promise": p.ID}}); err != nil {
				return err
			}
			// The creditor learns of it as of one made in the portal
			// (internal/promises); an open promise it replaces ended as
			// cancelled in CreatePromise.
			event := map[string]any{"promise_id": p.ID, "customer_number": d.CustomerNumber, "amount_minor": p.AmountMinor,
				"currency": p.Currency, "due_date": p.DueDate.Format(time.DateOnly), "source": p.Source}
			if p.Replaced != nil {
				event["replaces_promise_id"] = p.Replaced.ID
			}
			if _, err := tx.AddEvent(ctx, a.CreditorID, &d.ID, "promise.made", event); err != nil {
				return err
			}
			after["promise"] = p.ID
		case "callback":
			id, err := s.callback(ctx, tx, a, d.ID, c.CallbackAt, c.Note)
			if err != nil {
				return err
			}
			after["callback_task"] = id
		}
		return tx.AddAudit(ctx, &a.StaffID, &a.CreditorID, "call.logged", d.CustomerNumber, nil, after)
	})
}

func (s *Service) callback(ctx context.Context, tx *store.Store, a Actor, debtorID int64, at time.Time, note string) (int64, error) {
	id, err := tx.AddCallbackTask(ctx, a.CreditorID, debtorID, at, note, a.StaffID)
	if err != nil {
		return 0, err
	}
	return id, tx.AddInteraction(ctx, &ar.Interaction{CreditorID: a.CreditorID, DebtorID: debtorID, Kind: KindCallback,
		Channel: "phone", Actor: "staff", StaffID: &a.StaffID, Visibility: ar.VisibleToCustomer,
		Data: map[string]any{"at": at.UTC().Format(time.RFC3339), "task": id}})
}

// ScheduleCallback puts a callback for the debtor in the queue.
func (s *Service) ScheduleCallback(ctx context.Context, a Actor, debtorID int64, at time.Time, note string) error {
	note = strings.TrimSpace(note)
	now := s.now()
	if at.IsZero() || !at.After(now) || at.After(now.AddDate(0, 3, 0)) {
		return ar.Invalids{ar.FieldError("callback_at", "error.staff.callback.when", nil)}
	}
	if utf8.RuneCountInString(note) > maxNote {
		return ar.Invalids{ar.FieldError("note", "error.staff.note.too_long", map[string]any{"Max": maxNote})}
	}
	return s.Store.InTx(ctx, func(tx *store.Store) error {
		d, err := tx.Debtor(ctx, a.CreditorID, debtorID)
		if err != nil {
			return err
		}
		id, err := s.callback(ctx, tx, a, d.ID, at, note)
		if err != nil {
			return err
		}
		return tx.AddAudit(ctx, &a.StaffID, &a.CreditorID, "callback.scheduled", d.CustomerNumber, nil,
			map[string]any{"task": id, "at": at.UTC().Format(time.RFC3339)})
	})
}

// AddNote writes an internal note on the debtor's timeline.
func (s *Service) AddNote(ctx context.Context, a Actor, debtorID int64, text string) error {
	text = strings.TrimSpace(text)
	if text == "" {
		return ar.Invalids{ar.FieldError("text", "error.staff.note.empty", nil)}
	}
	if utf8.RuneCountInString(text) > maxNote {
		return ar.Invalids{ar.FieldError("text", "error.staff.note.too_long", map[string]any{"Max": maxNote})}
	}
	return s.Store.InTx(ctx, func(tx *store.Store) error {
		d, err := tx.Debtor(ctx, a.CreditorID, debtorID)
		if err != nil {
			return err
		}
		in := &ar.Interaction{CreditorID: a.CreditorID, DebtorID: d.ID, Kind: KindNote, Actor: "staff",
			StaffID: &a.StaffID, Visibility: ar.InternalOnly, Data: map[string]any{"text": text}}
		if err := tx.AddInteraction(ctx, in); err != nil {
			return err
		}
		return tx.AddAudit(ctx, &a.StaffID, &a.CreditorID, "note.added", d.CustomerNumber, nil, map[string]any{"interaction": in.ID})
	})
}

// LinkPreview is the message a "send new link" would send.
type LinkPreview struct {
	Channel   string
	Recipient string // in full: staff confirm it with the caller
	Subject   string
	Body      string // with a placeholder where the link goes
	Lang      string
}

// PreviewLink renders the message without creating a link; placeholder
// stands where the link will be.
func (s *Service) PreviewLink(ctx context.Context, a Actor, debtorID int64, channel, placeholder string) (*LinkPreview, error) {
	c, err := s.Store.Creditor(ctx, a.CreditorID)
	if err != nil {
		return nil, err
	}
	d, err := s.Store.Debtor(ctx, a.CreditorID, debtorID)
	if err != nil {
		return nil, err
	}
	msg, _, lang, err := s.Portal.LinkMessage(c, d, placeholder, channel)
	if err != nil {
		return nil, err
	}
	return &LinkPreview{Channel: channel, Recipient: msg.Recipient, Subject: msg.Subject, Body: msg.Body, Lang: lang}, nil
}

// SendLink issues a fresh link and sends it by SMS or email, optionally
// revoking every older link (a forwarded or lost one), and records both
// on the timeline. It returns the masked address.
func (s *Service) SendLink(ctx context.Context, a Actor, debtorID int64, channel string, revokeOlder bool) (string, error) {
	var masked string
	err := s.Store.InTx(ctx, func(tx *store.Store) error {
		c, err := tx.Creditor(ctx, a.CreditorID)
		if err != nil {
			return err
		}
		d, err := tx.Debtor(ctx, a.CreditorID, debtorID)
		if err != nil {
			return err
		}
		p := *s.Portal
		p.Store = tx
		token, link, err := p.IssueLink(ctx, c, d.ID, channel)
		if err != nil {
			return err
		}
		if masked, err = p.SendLink(ctx, link, p.LinkURL(token), channel); err != nil {
			return err
		}
		var revoked int64
		if revokeOlder {
			if revoked, err = tx.RevokeAccessLinks(ctx, c.ID, d.ID, link.ID, s.now()); err != nil {
				return err
			}
			if revoked > 0 {
				if err := tx.AddInteraction(ctx, &ar.Interaction{CreditorID: c.ID, DebtorID: d.ID, Kind: KindLinksRevoked,
					Actor: "staff", StaffID: &a.StaffID, Visibility: ar.InternalOnly,
					Data: map[string]any{"count": revoked}}); err != nil {
					return err
				}
			}
		}
		if err := tx.AddInteraction(ctx, &ar.Interaction{CreditorID: c.ID, DebtorID: d.ID, Kind: KindLinkSent,
			Channel: channel, Actor: "staff", StaffID: &a.StaffID, Visibility: ar.VisibleToCustomer,
			Data: map[string]any{"to": masked, "link": link.ID}}); err != nil {
			return err
		}
		return tx.AddAudit(ctx, &a.StaffID, &a.CreditorID, "link.sent", d.CustomerNumber, nil,
			map[string]any{"channel": channel, "to": masked, "link": link.ID, "revoked": revoked})
	})
	return masked, err
}
