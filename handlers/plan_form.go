package handlers

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/i18n"
	"github.com/settle/settle/internal/plans"
	"github.com/settle/settle/internal/store"
	"github.com/settle/settle/views"
)

// planReasonMax is how long the debtor's reason may be (runes); the plans
// service refuses longer ones with the same message.
const planReasonMax = 1000

// planForm is the "I need more time" form as typed.
type planForm struct {
	Numbers []string // chosen invoices
	Kind    string   // instalments or deferral
	Split   string   // count or monthly
	Count   string
	Monthly string
	Day     string
	DeferTo string // YYYY-MM-DD
	Reason  string
}

func readPlanForm(v url.Values) planForm {
	f := planForm{Numbers: v["invoice"], Kind: v.Get("kind"), Split: v.Get("split"), Count: strings.TrimSpace(v.Get("instalments")),
		Monthly: strings.TrimSpace(v.Get("monthly")), Day: strings.TrimSpace(v.Get("day")), DeferTo: strings.TrimSpace(v.Get("defer_to")),
		Reason: strings.TrimSpace(v.Get("reason"))}
	if f.Split != "monthly" {
		f.Split = "count"
	}
	return f
}

// ask turns the form into what the plans service asks for; what cannot
// even be read is a field error here, the policy's limits are checked by
// the service.
func (f planForm) ask(p ar.PlanPolicy) (ar.PlanAsk, ar.Invalids) {
	var bad ar.Invalids
	if len(f.Numbers) == 0 {
		bad.Add("invoice", "error.plan.no_invoice", nil)
	}
	ask := ar.PlanAsk{Kind: ar.PlanKind(f.Kind)}
	switch ask.Kind {
	case ar.PlanInstalments:
		day, err := strconv.Atoi(f.Day)
		if err != nil || day < 1 || day > ar.MaxDay {
			bad.Add("day", "error.plan.day", map[string]any{"Max": ar.MaxDay})
		}
		ask.Day = day
		if f.Split == "monthly" {
			m, ok := parseAmountInput(f.Monthly)
			if !ok || m <= 0 {
				bad.Add("monthly", "error.plan.monthly", nil)
			}
			ask.MonthlyMinor = m
		} else {
			n, err := strconv.Atoi(f.Count)
			if err != nil || n < 2 || n > p.MaxInstalments {
				bad.Add("instalments", "error.plan.instalments", map[string]any{"Max": p.MaxInstalments})
			}
			ask.Instalments = n
		}
	case ar.PlanDeferral:
		d, err := time.Parse(time.DateOnly, f.DeferTo)
		if err != nil {
			bad.Add("defer_to", "error.plan.defer_to", map[string]any{"Max": p.MaxDeferralDays})
		}
		ask.DeferTo = d
	default:
		bad.Add("kind", "error.plan.kind", nil)
	}
	if utf8.RuneCountInString(f.Reason) > planReasonMax {
		bad.Add("reason", "error.plan.reason_too_long", map[string]any{"Max": planReasonMax})
	}
	return ask, bad
}

// planContext is what the "more time" page is built from.
type planContext struct {
	acc    *accountData
	policy ar.PlanPolicy
	held   map[int64]bool
	page   page
	loc    *i18n.Locale
}

// accountData is the debtor's account as the portal service returns it.
type accountData struct {
	Creditor *ar.Creditor
	Debtor   *ar.Debtor
	Invoices []ar.Invoice
	Today    time.Time
}

func (s *Server) planContext(w http.ResponseWriter, r *http.Request, ds *debtorSession) (*planContext, error) {
	acc, err := s.account(r.Context(), ds)
	if err != nil {
		return nil, err
	}
	pc := &planContext{acc: &accountData{Creditor: acc.Creditor, Debtor: acc.Debtor, Invoices: acc.Invoices, Today: acc.Today},
		page: page{creditor: acc.Creditor, debtorLang: ds.Lang, signedIn: true, assisted: ds.AssistedBy != 0}}
	if pc.policy, err = s.Store.PlanPolicy(r.Context(), ds.CreditorID); err != nil {
		return nil, err
	}
	if pc.held, err = s.Store.HeldInvoiceIDs(r.Context(), ds.CreditorID, ds.DebtorID); err != nil {
		return nil, err
	}
	pc.loc = s.Catalog.Locale(s.language(w, r, pc.page))
	return pc, nil
}

// moreTimeVM is the form with f's values; the invoices offered are the
// open ones no plan holds.
func (pc *planContext) moreTimeVM(f planForm) views.MoreTimeVM {
	c := pc.acc.Creditor
	vm := views.MoreTimeVM{Chosen: map[string]bool{}, Kind: f.Kind, Split: f.Split, Count: f.Count, Monthly: f.Monthly,
		DeferTo: f.DeferTo, Reason: f.Reason, MaxInstalments: pc.policy.MaxInstalments, MaxReason: planReasonMax,
		MinDate: pc.acc.Today.AddDate(0, 0, 1).Format(time.DateOnly),
		MaxDate: pc.acc.Today.AddDate(0, 0, pc.policy.MaxDeferralDays).Format(time.DateOnly)}
	vm.Day, _ = strconv.Atoi(f.Day)
	for _, inv := range pc.acc.Invoices {
		if inv.OpenMinor <= 0 || inv.Currency != c.Currency {
			continue
		}
		if pc.held[inv.ID] {
			vm.InPlan = append(vm.InPlan, inv.Number)
			continue
		}
		vm.Invoices = append(vm.Invoices, inv)
	}
	for _, n := range f.Numbers {
		vm.Chosen[n] = true
	}
	return vm
}

// defaultPlanForm is the form as first shown: every invoice offered (or
// the ones asked for), instalments on the 1st, a deferral of two weeks.
func (pc *planContext) defaultPlanForm(want []string) planForm {
	f := planForm{Kind: string(ar.PlanInstalments), Split: "count", Count: strconv.Itoa(min(3, pc.policy.MaxInstalments)), Day: "1",
		DeferTo: pc.acc.Today.AddDate(0, 0, min(14, pc.policy.MaxDeferralDays)).Format(time.DateOnly)}
	wanted := map[string]bool{}
	for _, n := range want {
		wanted[n] = true
	}
	var all, asked []string
	for _, inv := range pc.acc.Invoices {
		if inv.OpenMinor <= 0 || pc.held[inv.ID] || inv.Currency != pc.acc.Creditor.Currency {
			continue
		}
		all = append(all, inv.Number)
		if wanted[inv.Number] {
			asked = append(asked, inv.Number)
		}
	}
	f.Numbers = all
	if len(asked) > 0 {
		f.Numbers = asked
	}
	return f
}

// planError puts a domain error from the form or the plans service on
// the page: field errors beside their field (422), an invoice taken in
// the meantime above the form (409). Anything else is returned.
func (pc *planContext) planError(vm *views.MoreTimeVM, f planForm, err error) (int, error) {
	var list ar.Invalids
	if !errors.As(err, &list) {
		e, ok := ar.AsError(err)
		if !ok {
			return 0, err
		}
		if e.Field == "" || e.Code != ar.Invalid {
			if e.Code == ar.Internal || e.Code == ar.NotFound {
				return 0, err
			}
			vm.ErrorKey, vm.ErrorArgs = e.Key, pc.errArgs(e)
			return statusOf(e.Code), nil
		}
		list = ar.Invalids{e}
	}
	vm.Errors = map[string]views.FieldErr{}
	for _, e := range list {
		field := e.Field
		if field == "instalments" && f.Split == "monthly" && f.Kind == string(ar.PlanInstalments) {
			field = "monthly" // the number came from the monthly amount
		}
		if _, dup := vm.Errors[field]; !dup {
			vm.Errors[field] = views.FieldErr{Key: e.Key, Args: pc.errArgs(e)}
		}
	}
	return http.StatusUnprocessableEntity, nil
}

// errArgs formats an error's arguments: amounts as money.
func (pc *planContext) errArgs(e *ar.Error) []any { return localArgs(pc.loc, e.Args) }

// previewVM is the schedule of a preview.
func previewVM(pv *plans.Preview) *views.PlanPreviewVM {
	sc := pv.Schedule
	return &views.PlanPreviewVM{Kind: string(pv.Ask.Kind), Instalments: sc.Instalments, PrincipalMinor: sc.PrincipalMinor,
		FeeMinor: sc.FeeMinor, InterestMinor: sc.InterestMinor, TotalMinor: sc.TotalMinor, Currency: sc.Currency,
		Approve: pv.Decision == ar.DecideApprove, ReviewKey: pv.ReviewKey, Invoices: pv.Invoices}
}

// planVM is a plan with its instalments and invoices; invs are the
// debtor's invoices now (for what is still open on the plan's ones).
func planVM(p *store.Plan, ins []store.PlanInstalment, pinvs []store.PlanInvoice, invs []ar.Invoice, today time.Time) views.PlanVM {
	vm := views.PlanVM{PublicID: p.PublicID, Kind: string(p.Kind), Status: string(p.Status), PrincipalMinor: p.PrincipalMinor,
		FeeMinor: p.FeeMinor, InterestMinor: p.InterestMinor, TotalMinor: p.TotalMinor, Currency: p.Currency,
		CreatedAt: p.CreatedAt, ReviewKey: p.ReviewKey, DecisionNote: p.DecisionNote, Reason: p.Reason}
	next := false
	for _, in := range ins {
		iv := views.PlanInstalmentVM{Seq: in.Seq, DueDate: in.DueDate, AmountMinor: in.AmountMinor, PaidMinor: in.PaidMinor}
		if in.Open() > 0 {
			iv.Overdue = in.DueDate.Before(today)
			if !next && (p.Status == ar.PlanActive || p.Status == ar.PlanOffered || p.Status == ar.PlanRequested) {
				iv.Next, next = true, true
			}
		}
		vm.PaidMinor += in.PaidMinor
		vm.Instalments = append(vm.Instalments, iv)
	}
	open := map[int64]int64{}
	for _, inv := range invs {
		open[inv.ID] = inv.OpenMinor
	}
	var numbers []string
	var invOpen int64
	for _, pi := range pinvs {
		vm.Invoices = append(vm.Invoices, views.PlanInvoiceVM{Number: pi.Number, OpenMinor: pi.OpenMinor})
		if open[pi.InvoiceID] > 0 {
			numbers = append(numbers, pi.Number)
			invOpen += open[pi.InvoiceID]
		}
	}
	// The next instalment of a running plan is paid like an invoice: the
	// payment page with its amount and the plan's invoices chosen. What
	// the plan adds (fee, interest) is not on the invoices, so the amount
	// is at most what they still have open.
	if n := vm.Next(); n != nil && p.Status == ar.PlanActive && invOpen > 0 {
		q := url.Values{"amount": {formatAmountInput(min(n.AmountMinor-n.PaidMinor, invOpen), "en")}, "invoice": numbers}
		vm.PayURL = "/account/pay?" + q.Encode()
	}
	return vm
}

// loadPlanVM loads one of the session debtor's plans by public id (404
// for anyone else's) as shown on its page.
func (s *Server) loadPlanVM(ctx context.Context, c *ar.Creditor, debtorID int64, publicID string) (*store.Plan, views.PlanVM, error) {
	p, err := s.Store.PlanByPublicID(ctx, c.ID, debtorID, publicID)
	if err != nil {
		return nil, views.PlanVM{}, err
	}
	ins, err := s.Store.PlanInstalments(ctx, p.ID)
	if err != nil {
		return nil, views.PlanVM{}, err
	}
	pinvs, err := s.Store.PlanInvoices(ctx, p.ID)
	if err != nil {
		return nil, views.PlanVM{}, err
	}
	invs, err := s.Store.Invoices(ctx, c.ID, debtorID)
	if err != nil {
		return nil, views.PlanVM{}, err
	}
	vm := planVM(p, ins, pinvs, invs, c.Today(s.Now()))
	if p.Status == ar.PlanRejected {
		// A request staff answered with another schedule points to it.
		list, err := s.Store.DebtorPlans(ctx, c.ID, debtorID)
		if err != nil {
			return nil, views.PlanVM{}, err
		}
		for _, o := range list {
			if o.Replaces != nil && *o.Replaces == p.ID {
				vm.ReplacedBy = o.PublicID
			}
		}
	}
	return p, vm, nil
}

// planNotices are the dashboard's notices about plans that run or wait
// for a decision, and the status of the plan holding each invoice.
func (s *Server) planNotices(ctx context.Context, creditorID, debtorID int64) ([]views.PlanNoticeVM, map[string]string, error) {
	if s.Plans == nil {
		return nil, nil, nil
	}
	list, err := s.Store.DebtorPlans(ctx, creditorID, debtorID)
	if err != nil {
		return nil, nil, err
	}
	var out []views.PlanNoticeVM
	inPlan := map[string]string{}
	for _, p := range list {
		if !p.Status.Holds() {
			continue
		}
		n := views.PlanNoticeVM{PublicID: p.PublicID, Kind: string(p.Kind), Status: string(p.Status), TotalMinor: p.TotalMinor, Currency: p.Currency}
		if p.Status == ar.PlanActive {
			ins, err := s.Store.PlanInstalments(ctx, p.ID)
			if err != nil {
				return nil, nil, err
			}
			for _, in := range ins {
				if in.Open() > 0 {
					due := in.DueDate
					n.NextMinor, n.NextDueDate = in.Open(), &due
					break
				}
			}
		}
		pinvs, err := s.Store.PlanInvoices(ctx, p.ID)
		if err != nil {
			return nil, nil, err
		}
		for _, pi := range pinvs {
			if pi.Held {
				inPlan[pi.Number] = string(p.Status)
			}
		}
		out = append(out, n)
	}
	return out, inPlan, nil
}

// planNoticeKeys are the notices a plan's page shows after an action
// (?done=…).
var planNoticeKeys = map[string]string{
	"approved":  "page.plan.notice.approved",
	"requested": "page.plan.notice.requested",
	"accepted":  "page.plan.notice.accepted",
	"declined":  "page.plan.notice.declined",
	"withdrawn": "page.plan.notice.withdrawn",
	"decided":   "page.plan.notice.decided",
}

// planRedirect sends the debtor to a plan's page with a notice.
func planRedirect(w http.ResponseWriter, r *http.Request, publicID, done string) error {
	return redirect(w, r, "/account/plans/"+url.PathEscape(publicID)+"?done="+done)
}

// planStep runs a debtor's step on one of their plans (withdraw, accept,
// decline) when the plan is in the state the step starts from, and
// sends them back to the plan's page. A plan that has moved on (a
// double click, staff deciding meanwhile) is not an error: the page
// says so and shows where it stands now. Anyone else's plan is a 404.
func (s *Server) planStep(w http.ResponseWriter, r *http.Request, ds *debtorSession, from ar.PlanStatus, done string,
	step func(c *ar.Creditor, planID int64) error) error {
	if s.Plans == nil {
		return ar.Errorf(ar.NotFound, "page.error.not_found.body")
	}
	c, err := s.sessionCreditor(r.Context(), ds)
	if err != nil {
		return err
	}
	p, err := s.Store.PlanByPublicID(r.Context(), c.ID, ds.DebtorID, r.PathValue("plan"))
	if err != nil {
		return err
	}
	if p.Status != from {
		return planRedirect(w, r, p.PublicID, "decided")
	}
	if err := step(c, p.ID); ar.ErrorCode(err) == ar.Conflict {
		return planRedirect(w, r, p.PublicID, "decided")
	} else if err != nil {
		return err
	}
	s.Log.InfoContext(r.Context(), "plan "+done, "id", RequestID(r.Context()), "plan", p.PublicID)
	return planRedirect(w, r, p.PublicID, done)
}
