package plans

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/portal"
	"github.com/settle/settle/internal/store"
)

// Service makes and decides payment plans and deferrals.
type Service struct {
	Store  *store.Store
	Portal *portal.Service // messages to the debtor
	Now    func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Timeline kinds (customer-visible unless noted).
const (
	KindRequested = "plan.requested" // waiting for staff
	KindApproved  = "plan.approved"
	KindRejected  = "plan.rejected"
	KindOffered   = "plan.offered"
	KindAccepted  = "plan.accepted"
	KindCancelled = "plan.cancelled"
	KindCompleted = "plan.completed"
	KindBroken    = "plan.broken"
	maxReason     = 1000
)

// Preview is what a plan would look like: the schedule, whether it is
// approved at once, and the invoices it covers.
type Preview struct {
	Ask       ar.PlanAsk
	Schedule  *ar.Schedule
	Decision  ar.Decision
	ReviewKey string       // why staff decide (a translation key), for DecideReview
	Invoices  []ar.Invoice // the chosen invoices
	Policy    ar.PlanPolicy
}

// Preview computes the plan for the debtor's chosen open invoices (all
// open invoices no plan holds when numbers is empty). ask carries the
// kind and the debtor's choices; its total, currency and today are
// filled in here.
func (s *Service) Preview(ctx context.Context, c *ar.Creditor, debtorID int64, numbers []string, ask ar.PlanAsk) (*Preview, error) {
	return s.preview(ctx, s.Store, c, debtorID, numbers, ask)
}

func (s *Service) preview(ctx context.Context, st *store.Store, c *ar.Creditor, debtorID int64, numbers []string, ask ar.PlanAsk) (*Preview, error) {
	d, err := st.Debtor(ctx, c.ID, debtorID)
	if err != nil {
		return nil, err
	}
	invs, err := st.Invoices(ctx, c.ID, debtorID)
	if err != nil {
		return nil, err
	}
	held, err := st.HeldInvoiceIDs(ctx, c.ID, debtorID)
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, n := range numbers {
		want[n] = true
	}
	pv := &Preview{}
	found := 0
	for _, inv := range invs {
		if len(want) > 0 && !want[inv.Number] {
			continue
		}
		if held[inv.ID] && len(want) > 0 {
			return nil, ar.Errorf(ar.Conflict, "error.plan.invoice_taken")
		}
		if inv.OpenMinor <= 0 || held[inv.ID] || inv.Currency != c.Currency {
			continue
		}
		pv.Invoices = append(pv.Invoices, inv)
		ask.TotalMinor += inv.OpenMinor
		found++
	}
	if found < len(want) {
		// A number that is not the debtor's, or not open.
		return nil, ar.FieldError("invoice", "error.plan.invoice_unavailable", nil)
	}
	if pv.Policy, err = st.PlanPolicy(ctx, c.ID); err != nil {
		return nil, err
	}
	ask.Currency, ask.Today = c.Currency, c.Today(s.now())
	if pv.Schedule, err = ar.NewSchedule(pv.Policy, ask); err != nil {
		return nil, err
	}
	pv.Ask = ask
	broke := false
	if m := pv.Policy.NoBrokenPlanMonths; m > 0 {
		if broke, err = st.BrokePlanSince(ctx, c.ID, debtorID, s.now().AddDate(0, -m, 0)); err != nil {
			return nil, err
		}
	}
	pv.Decision, pv.ReviewKey = pv.Policy.Decide(ask, pv.Schedule, ar.PlanFacts{Segment: d.Segment, BrokenPlanSince: broke, Hardship: d.Hardship})
	return pv, nil
}

// By is who makes a plan: the debtor (StaffID nil) or staff on the
// phone.
type By struct {
	StaffID *int64
}

// Request makes the plan the debtor asked for: approved at once inside
// the policy's band, else a request (with the debtor's reason) in the AR
// plan queue. Staff on the phone make plans the same way; theirs are
// approved (staff decide on the spot). The chosen invoices are held for
// the plan: an invoice in another plan makes this a Conflict, also when
// many requests race (a unique index decides).
func (s *Service) Request(ctx context.Context, c *ar.Creditor, debtorID int64, numbers []string, ask ar.PlanAsk, reason string, by By) (*store.Plan, error) {
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > maxReason {
		return nil, ar.FieldError("reason", "error.plan.reason_too_long", map[string]any{"Max": maxReason})
	}
	var plan *store.Plan
	err := s.Store.InTx(ctx, func(tx *store.Store) error {
		pv, err := s.preview(ctx, tx, c, debtorID, numbers, ask)
		if err != nil {
			return err
		}
		status := ar.PlanActive
		if pv.Decision == ar.DecideReview && by.StaffID == nil {
			status = ar.PlanRequested
		}
		plan = &store.Plan{PublicID: ar.NewPublicID("plan"), CreditorID: c.ID, DebtorID: debtorID, Kind: pv.Ask.Kind,
			Status: status, PrincipalMinor: pv.Schedule.PrincipalMinor, FeeMinor: pv.Schedule.FeeMinor,
			InterestMinor: pv.Schedule.InterestMinor, TotalMinor: pv.Schedule.TotalMinor, Currency: c.Currency,
			Reason: reason, ReviewKey: pv.ReviewKey, CreatedBy: by.StaffID}
		if pv.Ask.Kind == ar.PlanInstalments {
			day := pv.Ask.Day
			plan.Day = &day
		}
		invoices := map[int64]int64{}
		for _, inv := range pv.Invoices {
			invoices[inv.ID] = inv.OpenMinor
		}
		if err := tx.CreatePlan(ctx, plan, invoices, pv.Schedule.Instalments); err != nil {
			return err
		}
		if status == ar.PlanActive {
			plan.DecidedBy = by.StaffID
			if err := s.activate(ctx, tx, c, plan, by.StaffID); err != nil {
				return err
			}
		}
		kind := KindApproved
		if status == ar.PlanRequested {
			kind = KindRequested
			if err := tx.AddTask(ctx, &store.Task{CreditorID: c.ID, DebtorID: debtorID, Kind: "plan_request",
				SubjectID: &plan.ID, AmountMinor: plan.TotalMinor, Currency: plan.Currency, Note: reason}); err != nil {
				return err
			}
		}
		if err := s.record(ctx, tx, plan, kind, by.StaffID, len(pv.Schedule.Instalments), ""); err != nil {
			return err
		}
		if by.StaffID != nil {
			if err := tx.AddAudit(ctx, by.StaffID, &c.ID, "plan.created", plan.PublicID, nil,
				map[string]any{"kind": plan.Kind, "total_minor": plan.TotalMinor, "instalments": len(pv.Schedule.Instalments)}); err != nil {
				return err
			}
		}
		if status == ar.PlanActive {
			return s.notify(ctx, tx, c, plan, "plan.approved")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return plan, nil
}

// activate starts a plan: its fee and interest go on the ledger (on the
// plan's earliest invoice), so that paying the plan's invoices pays
// them and the statement lists them.
func (s *Service) activate(ctx context.Context, tx *store.Store, c *ar.Creditor, p *store.Plan, by *int64) error {
	if err := tx.SetPlanStatus(ctx, p, ar.PlanActive, by, "", s.now()); err != nil {
		return err
	}
	if p.FeeMinor == 0 && p.InterestMinor == 0 {
		return nil
	}
	invs, err := tx.PlanInvoices(ctx, p.ID)
	if err != nil {
		return err
	}
	if len(invs) == 0 {
		return nil
	}
	today := c.Today(s.now())
	for _, ch := range []struct {
		kind   string
		amount int64
	}{{"fee", p.FeeMinor}, {"interest", p.InterestMinor}} {
		if ch.amount > 0 {
			if err := tx.BookPlanCharge(ctx, p, invs[0].InvoiceID, ch.kind, ch.amount, today); err != nil {
				return err
			}
		}
	}
	return nil
}

// record writes a plan's step on the timeline and, for steps the
// creditor's systems care about, an event.
func (s *Service) record(ctx context.Context, tx *store.Store, p *store.Plan, kind string, staffID *int64, instalments int, note string) error {
	actor := "debtor"
	if staffID != nil {
		actor = "staff"
	} else if kind == KindBroken || kind == KindCompleted {
		actor = "system"
	}
	data := map[string]any{"plan": p.PublicID, "plan_kind": string(p.Kind), "amount_minor": p.TotalMinor,
		"currency": p.Currency}
	if instalments > 0 {
		data["instalments"] = instalments
	}
	if note != "" {
		data["note"] = note
	}
	return tx.AddInteraction(ctx, &ar.Interaction{CreditorID: p.CreditorID, DebtorID: p.DebtorID, Kind: kind,
		Actor: actor, StaffID: staffID, Visibility: ar.VisibleToCustomer, Data: data})
}

// notify tells the debtor about their plan by their preferred channel.
func (s *Service) notify(ctx context.Context, tx *store.Store, c *ar.Creditor, p *store.Plan, key string) error {
	if s.Portal == nil {
		return nil
	}
	d, err := tx.Debtor(ctx, c.ID, p.DebtorID)
	if err != nil {
		return err
	}
	pt := *s.Portal
	pt.Store = tx
	_, err = pt.Notify(ctx, c, d, "plan", key, "Amount", s.Portal.Text.Money(langOf(c, d), p.TotalMinor, p.Currency))
	return err
}

func langOf(c *ar.Creditor, d *ar.Debtor) string {
	if d.Language != "" {
		return d.Language
	}
	return c.DefaultLanguage
}

// PlanView is a plan with its instalments and invoices.
type PlanView struct {
	store.Plan
	Instalments []store.PlanInstalment
	Invoices    []store.PlanInvoice
}

// PaidMinor is what is paid toward the plan.
func (v *PlanView) PaidMinor() int64 {
	var sum int64
	for _, in := range v.Instalments {
		sum += in.PaidMinor
	}
	return sum
}

// Next is the earliest instalment not fully paid (nil when none).
func (v *PlanView) Next() *store.PlanInstalment {
	for i := range v.Instalments {
		if v.Instalments[i].Open() > 0 {
			return &v.Instalments[i]
		}
	}
	return nil
}

// DebtorPlans lists a debtor's plans with their instalments.
func (s *Service) DebtorPlans(ctx context.Context, creditorID, debtorID int64) ([]PlanView, error) {
	list, err := s.Store.DebtorPlans(ctx, creditorID, debtorID)
	if err != nil {
		return nil, err
	}
	out := make([]PlanView, len(list))
	for i, p := range list {
		out[i].Plan = p
		if out[i].Instalments, err = s.Store.PlanInstalments(ctx, p.ID); err != nil {
			return nil, err
		}
		if out[i].Invoices, err = s.Store.PlanInvoices(ctx, p.ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ApplyPayment books what a payment paid on invoices (invoice id →
// amount) toward the active plans that hold them: earliest unpaid
// instalment first, what is more reducing the later ones. A plan paid in
// full is completed and lets go of its invoices. Call it in the
// payment's transaction.
func (s *Service) ApplyPayment(ctx context.Context, tx *store.Store, creditorID, debtorID int64, paid map[int64]int64) error {
	left := make(map[int64]int64, len(paid))
	for id, amt := range paid {
		if amt > 0 {
			left[id] = amt
		}
	}
	for len(left) > 0 {
		ids := make([]int64, 0, len(left))
		for id := range left {
			ids = append(ids, id)
		}
		p, err := tx.ActivePlanOfInvoices(ctx, creditorID, debtorID, ids)
		if ar.IsNotFound(err) {
			return nil
		} else if err != nil {
			return err
		}
		invs, err := tx.PlanInvoices(ctx, p.ID)
		if err != nil {
			return err
		}
		var amount int64
		for _, in := range invs {
			amount += left[in.InvoiceID]
			delete(left, in.InvoiceID)
		}
		if err := s.payPlan(ctx, tx, p, amount); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) payPlan(ctx context.Context, tx *store.Store, p *store.Plan, amountMinor int64) error {
	ins, err := tx.PlanInstalments(ctx, p.ID)
	if err != nil {
		return err
	}
	open := make([]int64, len(ins))
	for i := range ins {
		open[i] = ins[i].Open()
	}
	take, _ := ar.AllocateToInstalments(open, amountMinor)
	rest := int64(0)
	for i, t := range take {
		if t > 0 {
			if err := tx.PayInstalment(ctx, p.ID, ins[i].Seq, t); err != nil {
				return err
			}
		}
		rest += open[i] - t
	}
	if rest == 0 {
		if err := tx.SetPlanStatus(ctx, p, ar.PlanCompleted, nil, "paid", s.now()); err != nil {
			return err
		}
		return s.record(ctx, tx, p, KindCompleted, nil, 0, "")
	}
	return nil
}
