package plans

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/store"
)

// The plan lifecycle follows the calendar: an instalment still open the
// day after its due date gets one friendly reminder; one still open
// after the policy's grace period breaks the plan.
const (
	// KindReminded is the timeline entry of an instalment's reminder.
	KindReminded = "plan.instalment_reminded"
	// KindLifecycleJob is the job that runs Lifecycle (periodic).
	KindLifecycleJob = "plans.lifecycle"
)

// Lifecycle reminds and breaks, as of Service.Now: once per instalment,
// the day after its due date (in the creditor's zone), the debtor gets
// message.plan.reminder; an instalment still open past its due date plus
// the policy's GraceDays, and reminded on an earlier day, breaks its
// plan: the plan ends as broken (its invoices go back to dunning), the
// creditor gets plan.broken, the timeline says which instalment was
// missed, and the debtor gets message.plan.broken. An instalment with a
// payment under way (a direct debit takes days) waits for it. Each step
// happens in its own transaction under the plan's lock and checks again,
// so running it twice, or on many workers at once, does each thing once.
func (s *Service) Lifecycle(ctx context.Context) (reminded, broken int, err error) {
	now := s.now()
	list, err := s.Store.OverdueInstalments(ctx, now, 2000)
	if err != nil {
		return 0, 0, err
	}
	creditors := map[int64]*ar.Creditor{}
	policies := map[int64]ar.PlanPolicy{}
	done := map[int64]bool{} // plans broken in this run
	for _, in := range list {
		if done[in.PlanID] {
			continue
		}
		c, ok := creditors[in.CreditorID]
		if !ok {
			if c, err = s.Store.Creditor(ctx, in.CreditorID); err != nil {
				return reminded, broken, err
			}
			creditors[c.ID] = c
			if policies[c.ID], err = s.Store.PlanPolicy(ctx, c.ID); err != nil {
				return reminded, broken, err
			}
		}
		today := c.Today(now)
		switch {
		case in.RemindedAt == nil:
			ok, err := s.remind(ctx, c, in)
			if err != nil {
				return reminded, broken, err
			}
			if ok {
				reminded++
			}
		case today.After(in.DueDate.AddDate(0, 0, policies[c.ID].GraceDays)) && c.Today(*in.RemindedAt).Before(today):
			ok, err := s.breakPlan(ctx, c, in)
			if err != nil {
				return reminded, broken, err
			}
			if ok {
				broken++
				done[in.PlanID] = true
			}
		}
	}
	return reminded, broken, nil
}

var errSkip = errors.New("plans: nothing to do")

// remind sends an instalment's one reminder.
func (s *Service) remind(ctx context.Context, c *ar.Creditor, in store.OverdueInstalment) (bool, error) {
	err := s.Store.InTx(ctx, func(tx *store.Store) error {
		p, err := tx.Plan(ctx, c.ID, in.DebtorID, in.PlanID, true)
		if err != nil {
			return err
		}
		if p.Status != ar.PlanActive {
			return errSkip
		}
		marked, err := tx.MarkInstalmentReminded(ctx, p.ID, in.Seq, s.now())
		if err != nil {
			return err
		}
		if !marked {
			return errSkip
		}
		if err := tx.AddInteraction(ctx, &ar.Interaction{CreditorID: c.ID, DebtorID: p.DebtorID, Kind: KindReminded,
			Actor: "system", Visibility: ar.VisibleToCustomer,
			Data: map[string]any{"plan": p.PublicID, "number": strconv.Itoa(in.Seq), "amount_minor": in.OpenMinor,
				"currency": in.Currency, "date": in.DueDate.Format(time.DateOnly)}}); err != nil {
			return err
		}
		return s.message(ctx, tx, c, p, "plan.reminder", in.OpenMinor, in.Seq, in.DueDate)
	})
	if errors.Is(err, errSkip) {
		return false, nil
	}
	return err == nil, err
}

// breakPlan ends a plan whose instalment stayed open past the grace
// period.
func (s *Service) breakPlan(ctx context.Context, c *ar.Creditor, in store.OverdueInstalment) (bool, error) {
	err := s.Store.InTx(ctx, func(tx *store.Store) error {
		p, err := tx.Plan(ctx, c.ID, in.DebtorID, in.PlanID, true)
		if err != nil {
			return err
		}
		if p.Status != ar.PlanActive {
			return errSkip
		}
		ins, err := tx.PlanInstalments(ctx, p.ID)
		if err != nil {
			return err
		}
		var remaining int64
		missed := false
		for _, x := range ins {
			remaining += x.Open()
			if x.Seq == in.Seq && x.Open() > 0 {
				missed = true
			}
		}
		if !missed { // paid meanwhile
			return errSkip
		}
		reason := fmt.Sprintf("instalment %d missed", in.Seq)
		if err := tx.SetPlanStatus(ctx, p, ar.PlanBroken, nil, reason, s.now()); err != nil {
			return err
		}
		d, err := tx.Debtor(ctx, c.ID, p.DebtorID)
		if err != nil {
			return err
		}
		if _, err := tx.AddEvent(ctx, c.ID, &d.ID, "plan.broken", map[string]any{
			"plan_id": p.PublicID, "customer_number": d.CustomerNumber, "plan_kind": string(p.Kind),
			"remaining_minor": remaining, "currency": p.Currency, "reason": "instalment_missed",
			"missed_instalment": in.Seq, "missed_due_date": in.DueDate.Format(time.DateOnly),
		}); err != nil {
			return err
		}
		if err := tx.AddInteraction(ctx, &ar.Interaction{CreditorID: c.ID, DebtorID: d.ID, Kind: KindBroken,
			Actor: "system", Visibility: ar.VisibleToCustomer,
			Data: map[string]any{"plan": p.PublicID, "plan_kind": string(p.Kind), "amount_minor": remaining,
				"currency": p.Currency, "number": strconv.Itoa(in.Seq), "date": in.DueDate.Format(time.DateOnly),
				"reason": "instalment_missed"}}); err != nil {
			return err
		}
		return s.message(ctx, tx, c, p, "plan.broken", remaining, in.Seq, in.DueDate)
	})
	if errors.Is(err, errSkip) {
		return false, nil
	}
	return err == nil, err
}

// message tells the debtor about an instalment (key: message.plan.*,
// with .Amount, .Number (the instalment) and .Date).
func (s *Service) message(ctx context.Context, tx *store.Store, c *ar.Creditor, p *store.Plan, key string, amountMinor int64, seq int, due time.Time) error {
	if s.Portal == nil {
		return nil
	}
	d, err := tx.Debtor(ctx, c.ID, p.DebtorID)
	if err != nil {
		return err
	}
	pt := *s.Portal
	pt.Store = tx
	lang := langOf(c, d)
	_, err = pt.Notify(ctx, c, d, "plan", key, "Amount", s.Portal.Text.Money(lang, amountMinor, p.Currency),
		"Number", strconv.Itoa(seq), "Date", civilDate(lang, due))
	return err
}

// civilDate writes a date as the debtor reads it in a message.
func civilDate(lang string, t time.Time) string {
	if lang == "en" {
		return t.Format("2 January 2006")
	}
	return t.Format("02.01.2006")
}
