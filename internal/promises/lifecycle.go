package promises

import (
	"context"
	"errors"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/store"
)

// Outcome counts what a Lifecycle run did.
type Outcome struct {
	Reminded, Kept, Broken, Cancelled int
}

// Any reports whether the run did anything.
func (o Outcome) Any() bool { return o.Reminded+o.Kept+o.Broken+o.Cancelled > 0 }

// Lifecycle follows the open promises (of every creditor) as of
// Service.Now, each day counted in its creditor's time zone:
//
//   - payments made since the promise (store.PaidSince) cover its amount:
//     kept (timeline promise.kept, and the creditor's event
//     promise.kept), whenever that happens;
//   - the day before its date (or on the date, when the job could not
//     run the day before), a promise made on an earlier day gets one
//     reminder (message.promise.reminder by the debtor's preferred
//     channel, timeline promise.reminded);
//   - more than GraceDays after its date and not covered: broken
//     (timeline promise.broken, customer-visible, and the creditor's
//     event promise.broken), so dunning resumes; when nothing is open on
//     the account any more (a credit note settled it), it ends as
//     cancelled instead (an internal timeline entry), since there is
//     nothing left to pay.
//
// Each step runs in its own transaction under the promise's row lock and
// checks again, so running Lifecycle twice, or on many workers at once,
// does each thing once.
func (s *Service) Lifecycle(ctx context.Context) (Outcome, error) {
	var out Outcome
	now := s.now()
	// Tomorrow anywhere on earth: the candidates for a reminder.
	until := ar.CivilDate(now.UTC()).AddDate(0, 0, 2)
	list, err := s.Store.DuePromises(ctx, until, 2000)
	if err != nil {
		return out, err
	}
	creditors := map[int64]*ar.Creditor{}
	for _, p := range list {
		c, ok := creditors[p.CreditorID]
		if !ok {
			if c, err = s.Store.Creditor(ctx, p.CreditorID); err != nil {
				return out, err
			}
			creditors[c.ID] = c
		}
		today := c.Today(now)
		var step func(context.Context, *ar.Creditor, int64) (string, error)
		switch {
		case p.PaidMinor >= p.AmountMinor || today.After(p.DueDate.AddDate(0, 0, GraceDays)):
			step = s.settle
		case p.RemindedAt == nil && !today.Before(p.DueDate.AddDate(0, 0, -1)) && !today.After(p.DueDate) &&
			c.Today(p.CreatedAt).Before(today):
			step = s.remind
		default:
			continue
		}
		res, err := step(ctx, c, p.ID)
		if err != nil {
			return out, err
		}
		switch res {
		case store.PromiseKept:
			out.Kept++
		case store.PromiseBroken:
			out.Broken++
		case store.PromiseCancelled:
			out.Cancelled++
		case "reminded":
			out.Reminded++
		}
	}
	return out, nil
}

var errSkip = errors.New("promises: nothing to do")

// remind sends a promise's one reminder.
func (s *Service) remind(ctx context.Context, c *ar.Creditor, id int64) (string, error) {
	now := s.now()
	err := s.Store.InTx(ctx, func(tx *store.Store) error {
		p, err := tx.LockPromise(ctx, c.ID, id)
		if err != nil {
			return err
		}
		if p.Status != store.PromiseOpen {
			return errSkip
		}
		paid, err := tx.PaidSince(ctx, c.ID, p.DebtorID, p.CreatedAt)
		if err != nil {
			return err
		}
		if paid >= p.AmountMinor { // paid meanwhile: the next run keeps it
			return errSkip
		}
		marked, err := tx.MarkPromiseReminded(ctx, c.ID, p.ID, now)
		if err != nil {
			return err
		}
		if !marked {
			return errSkip
		}
		channel, err := s.message(ctx, tx, c, p, "promise.reminder")
		if err != nil {
			return err
		}
		return tx.AddInteraction(ctx, &ar.Interaction{CreditorID: c.ID, DebtorID: p.DebtorID, Kind: KindReminded,
			Channel: channel, Actor: "system", Visibility: ar.VisibleToCustomer, Data: promiseData(p), OccurredAt: now})
	})
	if errors.Is(err, errSkip) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return "reminded", nil
}

// settle ends a promise: kept when paid, else (after the grace days)
// broken, or cancelled when nothing is open any more.
func (s *Service) settle(ctx context.Context, c *ar.Creditor, id int64) (string, error) {
	now := s.now()
	var status string
	err := s.Store.InTx(ctx, func(tx *store.Store) error {
		p, err := tx.LockPromise(ctx, c.ID, id)
		if err != nil {
			return err
		}
		if p.Status != store.PromiseOpen {
			return errSkip
		}
		paid, err := tx.PaidSince(ctx, c.ID, p.DebtorID, p.CreatedAt)
		if err != nil {
			return err
		}
		today := c.Today(now)
		data := promiseData(p)
		data["paid_minor"] = paid
		in := &ar.Interaction{CreditorID: c.ID, DebtorID: p.DebtorID, Actor: "system", Visibility: ar.VisibleToCustomer,
			Data: data, OccurredAt: now}
		switch {
		case paid >= p.AmountMinor:
			status, in.Kind = store.PromiseKept, KindKept
			d, err := tx.Debtor(ctx, c.ID, p.DebtorID)
			if err != nil {
				return err
			}
			if _, err := tx.AddEvent(ctx, c.ID, &d.ID, EventKept, map[string]any{
				"promise_id": p.ID, "customer_number": d.CustomerNumber, "amount_minor": p.AmountMinor,
				"paid_minor": paid, "currency": p.Currency, "due_date": p.DueDate.Format(time.DateOnly),
				"source": p.Source, "made_at": p.CreatedAt.UTC().Format(time.RFC3339),
			}); err != nil {
				return err
			}
		case !today.After(p.DueDate.AddDate(0, 0, GraceDays)):
			return errSkip // a payment was reversed meanwhile: wait for the date
		default:
			invs, err := tx.Invoices(ctx, c.ID, p.DebtorID)
			if err != nil {
				return err
			}
			if ar.Summarize(c.Currency, invs, today).OpenMinor <= 0 {
				status, in.Kind, in.Visibility = store.PromiseCancelled, KindCancelled, ar.InternalOnly
				data["reason"] = "nothing_open"
				break
			}
			status, in.Kind = store.PromiseBroken, KindBroken
			d, err := tx.Debtor(ctx, c.ID, p.DebtorID)
			if err != nil {
				return err
			}
			if _, err := tx.AddEvent(ctx, c.ID, &d.ID, EventBroken, map[string]any{
				"promise_id": p.ID, "customer_number": d.CustomerNumber, "amount_minor": p.AmountMinor,
				"paid_minor": paid, "currency": p.Currency, "due_date": p.DueDate.Format(time.DateOnly),
				"source": p.Source, "made_at": p.CreatedAt.UTC().Format(time.RFC3339),
			}); err != nil {
				return err
			}
		}
		closed, err := tx.ClosePromise(ctx, c.ID, p.ID, status, now)
		if err != nil {
			return err
		}
		if !closed {
			return errSkip
		}
		return tx.AddInteraction(ctx, in)
	})
	if errors.Is(err, errSkip) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return status, nil
}

// promiseData is a promise on the timeline: the shape staff's
// promise.made has (amount_minor, currency, date, promise).
func promiseData(p *store.Promise) map[string]any {
	return map[string]any{"amount_minor": p.AmountMinor, "currency": p.Currency,
		"date": p.DueDate.Format(time.DateOnly), "promise": p.ID}
}

// message tells the debtor about a promise by their preferred channel
// (key: message.<name>, with .Amount and .Date) and returns the channel
// ("" when there is no address).
func (s *Service) message(ctx context.Context, tx *store.Store, c *ar.Creditor, p *store.Promise, name string) (string, error) {
	if s.Portal == nil {
		return "", nil
	}
	d, err := tx.Debtor(ctx, c.ID, p.DebtorID)
	if err != nil {
		return "", err
	}
	pt := *s.Portal
	pt.Store = tx
	lang := d.Language
	if lang == "" {
		lang = c.DefaultLanguage
	}
	return pt.Notify(ctx, c, d, "promise", name, "Amount", s.Portal.Text.Money(lang, p.AmountMinor, p.Currency),
		"Date", civilDate(lang, p.DueDate))
}

// civilDate writes a date as the debtor reads it in a message.
func civilDate(lang string, t time.Time) string {
	if lang == "en" {
		return t.Format("2 January 2006")
	}
	return t.Format("02.01.2006")
}
