// Package promises is the debtor's promise to pay: an amount by a date,
// made in the portal (or on the phone, see internal/backoffice), and its
// lifecycle: a reminder the day before, then kept or broken.
//
// The window a debtor may promise in is the creditor's plan policy's
// MaxDeferralDays (a promise is a deferral the debtor keeps by
// themselves): from today to that many days ahead. The amount is at
// least 0.01 and at most what is open on the account.
//
// Dunning waits while a promise is open (store.OpenPromise). A promise
// stays open until payments made since it cover the amount (kept, at any
// time: no reminder then), or until GraceDays after its date (broken,
// and dunning resumes). A debtor has one open promise at most: a new one
// replaces it.
package promises

import (
	"context"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/portal"
	"github.com/settle/settle/internal/store"
)

// Service makes promises and runs their lifecycle.
type Service struct {
	Store  *store.Store
	Portal *portal.Service // the reminder; nil sends none
	Now    func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Timeline kinds (customer-visible unless noted) and the job.
const (
	KindMade      = "promise.made" // the same kind staff write for a promise on the phone
	KindReminded  = "promise.reminded"
	KindKept      = "promise.kept"
	KindBroken    = "promise.broken"
	KindCancelled = "promise.cancelled" // internal: nothing left to pay
	// KindLifecycleJob is the periodic job that runs Lifecycle.
	KindLifecycleJob = "promises.lifecycle"
	// EventBroken is the creditor's event for a broken promise.
	EventBroken = "promise.broken"
	// EventMade is the creditor's event for a new promise.
	EventMade = "promise.made"
	// EventKept is the creditor's event for a promise that payments
	// covered.
	EventKept = "promise.kept"
	// GraceDays is how long after its date a promise waits for the
	// payment before it breaks: a transfer made on the date takes a
	// banking day to arrive.
	GraceDays = 1
)

// Window is the first and last date a debtor of c may promise today
// (civil dates in the creditor's zone).
func (s *Service) Window(ctx context.Context, c *ar.Creditor) (first, last time.Time, err error) {
	pol, err := s.Store.PlanPolicy(ctx, c.ID)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	first, last = ar.PromiseWindow(c.Today(s.now()), pol)
	return first, last, nil
}

// Ask is the promise a debtor makes.
type Ask struct {
	AmountMinor int64
	Date        time.Time // civil date
}

// By is who makes it: the debtor (StaffID nil) or, in assist mode, the
// agent with the debtor on the phone.
type By struct {
	Actor   string // debtor or staff
	StaffID *int64
}

// Check tests an ask against the window and what is open; every problem
// names its field (amount, date).
func Check(a Ask, openMinor int64, currency string, first, last time.Time) error {
	var bad ar.Invalids
	switch {
	case a.AmountMinor <= 0:
		bad.Add("amount", "error.promise.amount", nil)
	case a.AmountMinor > openMinor:
		bad.Add("amount", "error.promise.amount_above", map[string]any{"Max": ar.Money{Minor: openMinor, Currency: currency}})
	}
	days := int(last.Sub(first).Hours()/24 + 0.5)
	switch {
	case a.Date.IsZero():
		bad.Add("date", "error.promise.date", map[string]any{"Days": days})
	case a.Date.Before(first):
		bad.Add("date", "error.promise.date_past", map[string]any{"Days": days})
	case a.Date.After(last):
		bad.Add("date", "error.promise.date_far", map[string]any{"Days": days})
	}
	return bad.Err()
}

// Make records the debtor's promise to pay a.AmountMinor by a.Date, in
// one transaction: the promise (replacing an open one, which ends as
// cancelled), the customer-visible timeline entry promise.made (the
// same kind and data as a promise on the phone), and the creditor's
// event promise.made.
func (s *Service) Make(ctx context.Context, c *ar.Creditor, debtorID int64, a Ask, by By) (*store.Promise, error) {
	first, last, err := s.Window(ctx, c)
	if err != nil {
		return nil, err
	}
	if by.Actor == "" {
		by.Actor = "debtor"
	}
	now := s.now()
	var p *store.Promise
	err = s.Store.InTx(ctx, func(tx *store.Store) error {
		d, err := tx.Debtor(ctx, c.ID, debtorID)
		if err != nil {
			return err
		}
		invs, err := tx.Invoices(ctx, c.ID, d.ID)
		if err != nil {
			return err
		}
		open := ar.Summarize(c.Currency, invs, c.Today(now)).OpenMinor
		if open <= 0 {
			return ar.Errorf(ar.Conflict, "error.promise.nothing_open")
		}
		if err := Check(a, open, c.Currency, first, last); err != nil {
			return err
		}
		p = &store.Promise{CreditorID: c.ID, DebtorID: d.ID, AmountMinor: a.AmountMinor, Currency: c.Currency,
			DueDate: a.Date, Source: "portal", StaffID: by.StaffID, CreatedAt: now}
		if err := tx.CreatePromise(ctx, p); err != nil {
			return err
		}
		data := map[string]any{"amount_minor": p.AmountMinor, "currency": p.Currency,
			"date": p.DueDate.Format(time.DateOnly), "promise": p.ID}
		event := map[string]any{"promise_id": p.ID, "customer_number": d.CustomerNumber, "amount_minor": p.AmountMinor,
			"currency": p.Currency, "due_date": p.DueDate.Format(time.DateOnly), "source": p.Source}
		if p.Replaced != nil {
			data["replaces"] = p.Replaced.ID
			event["replaces_promise_id"] = p.Replaced.ID
		}
		if err := tx.AddInteraction(ctx, &ar.Interaction{CreditorID: c.ID, DebtorID: d.ID, Kind: KindMade,
			Channel: "portal", Actor: by.Actor, StaffID: by.StaffID, Visibility: ar.VisibleToCustomer,
			Data: data, OccurredAt: now}); err != nil {
			return err
		}
		_, err = tx.AddEvent(ctx, c.ID, &d.ID, EventMade, event)
		return err
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}
