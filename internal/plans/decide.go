package plans

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/store"
)

// decide locks a creditor's plan and checks it is in one of the states
// a step starts from; otherwise Conflict ("already decided").
func decide(ctx context.Context, tx *store.Store, creditorID, debtorID, planID int64, from ...ar.PlanStatus) (*store.Plan, error) {
	p, err := tx.Plan(ctx, creditorID, debtorID, planID, true)
	if err != nil {
		return nil, err
	}
	for _, st := range from {
		if p.Status == st {
			return p, nil
		}
	}
	return nil, ar.Errorf(ar.Conflict, "error.plan.decided")
}

// closeTask marks the plan's queue task done.
func (s *Service) closeTask(ctx context.Context, tx *store.Store, p *store.Plan, staffID int64) error {
	return tx.CompletePlanTask(ctx, p.CreditorID, p.ID, staffID, s.now())
}

// Approve activates a requested plan as asked.
func (s *Service) Approve(ctx context.Context, c *ar.Creditor, staffID int64, planID int64) error {
	return s.Store.InTx(ctx, func(tx *store.Store) error {
		p, err := decide(ctx, tx, c.ID, 0, planID, ar.PlanRequested)
		if err != nil {
			return err
		}
		if err := s.activate(ctx, tx, c, p, &staffID); err != nil {
			return err
		}
		if err := s.closeTask(ctx, tx, p, staffID); err != nil {
			return err
		}
		if err := s.record(ctx, tx, p, KindApproved, &staffID, 0, ""); err != nil {
			return err
		}
		if err := tx.AddAudit(ctx, &staffID, &c.ID, "plan.approved", p.PublicID,
			map[string]any{"status": ar.PlanRequested}, map[string]any{"status": ar.PlanActive}); err != nil {
			return err
		}
		return s.notify(ctx, tx, c, p, "plan.approved")
	})
}

// Reject turns a request down with a reason the debtor sees; the
// invoices are free again (and go on as before).
func (s *Service) Reject(ctx context.Context, c *ar.Creditor, staffID int64, planID int64, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return ar.Invalids{ar.FieldError("reason", "error.plan.reject_reason", nil)}
	}
	if utf8.RuneCountInString(reason) > maxReason {
		return ar.Invalids{ar.FieldError("reason", "error.plan.reason_too_long", map[string]any{"Max": maxReason})}
	}
	return s.Store.InTx(ctx, func(tx *store.Store) error {
		p, err := decide(ctx, tx, c.ID, 0, planID, ar.PlanRequested)
		if err != nil {
			return err
		}
		if err := tx.SetPlanStatus(ctx, p, ar.PlanRejected, &staffID, reason, s.now()); err != nil {
			return err
		}
		if err := s.closeTask(ctx, tx, p, staffID); err != nil {
			return err
		}
		if err := s.record(ctx, tx, p, KindRejected, &staffID, 0, reason); err != nil {
			return err
		}
		if err := tx.AddAudit(ctx, &staffID, &c.ID, "plan.rejected", p.PublicID,
			map[string]any{"status": ar.PlanRequested}, map[string]any{"status": ar.PlanRejected, "reason": reason}); err != nil {
			return err
		}
		return s.notify(ctx, tx, c, p, "plan.rejected")
	})
}

// Offer answers a request with another schedule for the same invoices:
// the request ends (replaced) and the offer waits for the debtor, who
// accepts it in the portal.
func (s *Service) Offer(ctx context.Context, c *ar.Creditor, staffID int64, planID int64, ask ar.PlanAsk, note string) (*store.Plan, error) {
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > maxReason {
		return nil, ar.Invalids{ar.FieldError("note", "error.plan.reason_too_long", map[string]any{"Max": maxReason})}
	}
	var offer *store.Plan
	err := s.Store.InTx(ctx, func(tx *store.Store) error {
		p, err := decide(ctx, tx, c.ID, 0, planID, ar.PlanRequested)
		if err != nil {
			return err
		}
		invs, err := tx.PlanInvoices(ctx, p.ID)
		if err != nil {
			return err
		}
		// Free the invoices first, so the offer can hold them.
		if err := tx.SetPlanStatus(ctx, p, ar.PlanRejected, &staffID, note, s.now()); err != nil {
			return err
		}
		numbers := make([]string, len(invs))
		for i, in := range invs {
			numbers[i] = in.Number
		}
		pv, err := s.preview(ctx, tx, c, p.DebtorID, numbers, ask)
		if err != nil {
			return err
		}
		offer = &store.Plan{PublicID: ar.NewPublicID("plan"), CreditorID: c.ID, DebtorID: p.DebtorID, Kind: pv.Ask.Kind,
			Status: ar.PlanOffered, PrincipalMinor: pv.Schedule.PrincipalMinor, FeeMinor: pv.Schedule.FeeMinor,
			InterestMinor: pv.Schedule.InterestMinor, TotalMinor: pv.Schedule.TotalMinor, Currency: c.Currency,
			Reason: p.Reason, Replaces: &p.ID, CreatedBy: &staffID}
		if pv.Ask.Kind == ar.PlanInstalments {
			day := pv.Ask.Day
			offer.Day = &day
		}
		held := map[int64]int64{}
		for _, inv := range pv.Invoices {
			held[inv.ID] = inv.OpenMinor
		}
		if err := tx.CreatePlan(ctx, offer, held, pv.Schedule.Instalments); err != nil {
			return err
		}
		if err := tx.SetPlanStatus(ctx, offer, ar.PlanOffered, &staffID, note, s.now()); err != nil {
			return err
		}
		if err := s.closeTask(ctx, tx, p, staffID); err != nil {
			return err
		}
		if err := s.record(ctx, tx, offer, KindOffered, &staffID, len(pv.Schedule.Instalments), note); err != nil {
			return err
		}
		if err := tx.AddAudit(ctx, &staffID, &c.ID, "plan.offered", p.PublicID, map[string]any{"status": ar.PlanRequested},
			map[string]any{"offer": offer.PublicID, "total_minor": offer.TotalMinor, "instalments": len(pv.Schedule.Instalments)}); err != nil {
			return err
		}
		return s.notify(ctx, tx, c, offer, "plan.offered")
	})
	return offer, err
}

// Accept is the debtor taking an offer: it becomes active.
func (s *Service) Accept(ctx context.Context, c *ar.Creditor, debtorID int64, planID int64) error {
	return s.Store.InTx(ctx, func(tx *store.Store) error {
		p, err := decide(ctx, tx, c.ID, debtorID, planID, ar.PlanOffered)
		if err != nil {
			return err
		}
		if err := s.activate(ctx, tx, c, p, nil); err != nil {
			return err
		}
		return s.record(ctx, tx, p, KindAccepted, nil, 0, "")
	})
}

// Cancel ends a plan that is not yet running or is running (the debtor
// withdrawing a request or declining an offer; staff ending a plan). Its
// invoices go back to normal.
func (s *Service) Cancel(ctx context.Context, c *ar.Creditor, debtorID int64, staffID *int64, planID int64) error {
	return s.Store.InTx(ctx, func(tx *store.Store) error {
		p, err := decide(ctx, tx, c.ID, debtorID, planID, ar.PlanRequested, ar.PlanOffered, ar.PlanActive)
		if err != nil {
			return err
		}
		from := p.Status
		if err := tx.SetPlanStatus(ctx, p, ar.PlanCancelled, staffID, "cancelled", s.now()); err != nil {
			return err
		}
		if from == ar.PlanRequested {
			if err := tx.CompletePlanTask(ctx, p.CreditorID, p.ID, 0, s.now()); err != nil {
				return err
			}
		}
		if staffID != nil {
			if err := tx.AddAudit(ctx, staffID, &c.ID, "plan.cancelled", p.PublicID,
				map[string]any{"status": from}, map[string]any{"status": ar.PlanCancelled}); err != nil {
				return err
			}
		}
		return s.record(ctx, tx, p, KindCancelled, staffID, 0, "")
	})
}
