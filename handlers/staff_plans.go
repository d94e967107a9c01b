package handlers

// Shared by the back office's payment-plan pages: reading {plan} and the
// plan forms, turning plan errors into messages, and the plan page's
// view model.

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/i18n"
	"github.com/settle/settle/internal/plans"
	"github.com/settle/settle/views"
)

// planParam reads {plan}: a plan id; anything else is not found.
func planParam(r *http.Request) (int64, error) { return pathID(r, "plan") }

// planPath is a plan's page (plus rest).
func planPath(id int64, rest string) string {
	return "/staff/plans/" + strconv.FormatInt(id, 10) + rest
}

// plansOn fails with NotFound when the server offers no plans.
func (s *Server) plansOn() error {
	if s.Plans == nil {
		return ar.Errorf(ar.NotFound, "error.not_found")
	}
	return nil
}

// staffLocale is the language the staff page is shown in.
func (s *Server) staffLocale(w http.ResponseWriter, r *http.Request, sc *staffCtx) *i18n.Locale {
	return s.Catalog.Locale(s.language(w, r, page{staff: sc}))
}

// errText translates a domain error with its arguments (amounts as
// money in loc's language).
func errText(loc *i18n.Locale, currency string, e *ar.Error) string {
	return loc.T(e.Key, localArgs(loc, e.Args)...)
}

// planFieldErrors turns field errors into field → message; ok is false
// when err is not about fields.
func planFieldErrors(loc *i18n.Locale, currency string, err error) (map[string]string, bool) {
	var list ar.Invalids
	if errors.As(err, &list) {
		out := map[string]string{}
		for _, e := range list {
			if _, seen := out[e.Field]; !seen {
				out[e.Field] = errText(loc, currency, e)
			}
		}
		return out, true
	}
	if e, ok := ar.AsError(err); ok && e.Field != "" && e.Code != ar.Internal {
		return map[string]string{e.Field: errText(loc, currency, e)}, true
	}
	return nil, false
}

// planErrorText is the message for a domain error that is not about a
// field (a conflict: the plan was decided meanwhile, an invoice is in
// another plan); ok is false for errors the error page shows (not found,
// internal).
func planErrorText(loc *i18n.Locale, currency string, err error) (string, bool) {
	e, ok := ar.AsError(err)
	if !ok || e.Code == ar.Internal || e.Code == ar.NotFound {
		return "", false
	}
	return errText(loc, currency, e), true
}

// parsePlanForm reads the schedule inputs of a plan form; errs holds the
// inputs that cannot be read (field → message). The schedule's rules are
// checked by the service.
func parsePlanForm(r *http.Request, loc *i18n.Locale) (f views.PlanFormVM, ask ar.PlanAsk, errs map[string]string) {
	f = views.PlanFormVM{Kind: r.PostFormValue("kind"), Instalments: strings.TrimSpace(r.PostFormValue("instalments")),
		Monthly: strings.TrimSpace(r.PostFormValue("monthly")), Day: strings.TrimSpace(r.PostFormValue("day")),
		DeferTo: strings.TrimSpace(r.PostFormValue("defer_to")), Note: r.PostFormValue("note"),
		Previewed: r.PostFormValue("previewed")}
	errs = map[string]string{}
	ask.Kind = ar.PlanKind(f.Kind)
	switch ask.Kind {
	case ar.PlanInstalments:
		if f.Instalments != "" {
			n, err := strconv.Atoi(f.Instalments)
			if err != nil || n < 0 {
				errs["instalments"] = loc.T("error.staff.plans.whole_number")
			}
			ask.Instalments = n
		}
		if f.Monthly != "" && f.Instalments == "" {
			if m, ok := parseAmountInput(f.Monthly); ok && m > 0 {
				ask.MonthlyMinor = m
			} else {
				errs["monthly"] = loc.T("error.staff.plans.amount")
			}
		}
		if f.Instalments == "" && f.Monthly == "" {
			errs["instalments"] = loc.T("error.staff.plans.instalments_or_monthly")
		}
		if d, err := strconv.Atoi(f.Day); err == nil {
			ask.Day = d
		} else {
			errs["day"] = loc.T("error.plan.day", "Max", ar.MaxDay)
		}
	case ar.PlanDeferral:
		if d, err := time.Parse(time.DateOnly, f.DeferTo); err == nil {
			ask.DeferTo = d
		}
	default:
		errs["kind"] = loc.T("error.plan.kind")
	}
	return f, ask, errs
}

// planTerms is what a preview was computed for: sending asks for a new
// preview when the terms changed after it.
func planTerms(f views.PlanFormVM, numbers []string) string {
	return strings.Join([]string{f.Kind, f.Instalments, f.Monthly, f.Day, f.DeferTo, strings.Join(numbers, ",")}, "|")
}

// previewVM shows a preview.
func staffPreviewVM(pv *plans.Preview) *views.StaffPlanPreviewVM {
	vm := &views.StaffPlanPreviewVM{PrincipalMinor: pv.Schedule.PrincipalMinor, FeeMinor: pv.Schedule.FeeMinor,
		InterestMinor: pv.Schedule.InterestMinor, TotalMinor: pv.Schedule.TotalMinor, Currency: pv.Schedule.Currency,
		Approve: pv.Decision == ar.DecideApprove, ReviewKey: pv.ReviewKey}
	for _, in := range pv.Schedule.Instalments {
		vm.Rows = append(vm.Rows, views.PlanScheduleRow{Seq: in.Seq, Due: in.DueDate, AmountMinor: in.AmountMinor,
			OpenMinor: in.AmountMinor})
	}
	return vm
}

// planVM loads a plan of the session's creditor for its page: terms,
// schedule, invoices and history (its own and that of the request it
// replaces or the offer that replaced it).
func (s *Server) planVM(w http.ResponseWriter, r *http.Request, sc *staffCtx, id int64) (views.StaffPlanVM, error) {
	if err := s.plansOn(); err != nil {
		return views.StaffPlanVM{}, err
	}
	ctx := r.Context()
	p, err := s.Store.StaffPlan(ctx, sc.creditorID(), id)
	if err != nil {
		return views.StaffPlanVM{}, err
	}
	zone := sc.creditor.Location()
	vm := views.StaffPlanVM{ID: p.ID, PublicID: p.PublicID, Kind: string(p.Kind), Status: string(p.Status),
		DebtorID: p.DebtorID, DebtorName: p.DebtorName, CustomerNumber: p.CustomerNumber,
		PrincipalMinor: p.PrincipalMinor, FeeMinor: p.FeeMinor, InterestMinor: p.InterestMinor, TotalMinor: p.TotalMinor,
		Currency: p.Currency, Reason: p.Reason, ReviewKey: p.ReviewKey, DecisionNote: p.DecisionNote,
		EndReason: p.EndReason, CreatedAt: p.CreatedAt.In(zone), Autopay: p.Autopay}
	if p.Day != nil {
		vm.Day = *p.Day
	}
	if vm.EndReason == vm.DecisionNote {
		vm.EndReason = "" // a rejection's reason, shown as the decision note
	}
	if p.DecidedAt != nil {
		at := p.DecidedAt.In(zone)
		vm.DecidedAt = &at
	}
	if p.EndedAt != nil {
		at := p.EndedAt.In(zone)
		vm.EndedAt = &at
	}
	if p.CreatedByEmail != nil {
		vm.CreatedBy = *p.CreatedByEmail
	}
	if p.DecidedByEmail != nil {
		vm.DecidedBy = *p.DecidedByEmail
	}
	ids := []string{p.PublicID}
	if p.Replaces != nil && p.ReplacesPublicID != nil {
		vm.ReplacesID, vm.ReplacesPublicID = *p.Replaces, *p.ReplacesPublicID
		ids = append(ids, *p.ReplacesPublicID)
	}
	if p.ReplacedByID != nil && p.ReplacedByPublic != nil {
		vm.ReplacedByID, vm.ReplacedByPublicID = *p.ReplacedByID, *p.ReplacedByPublic
		ids = append(ids, *p.ReplacedByPublic)
	}
	if p.MandateStatus != nil {
		vm.MandateStatus = *p.MandateStatus
	}
	ins, err := s.Store.PlanInstalments(ctx, p.ID)
	if err != nil {
		return vm, err
	}
	today := sc.creditor.Today(s.Now())
	for _, in := range ins {
		vm.Schedule = append(vm.Schedule, views.PlanScheduleRow{Seq: in.Seq, Due: in.DueDate, AmountMinor: in.AmountMinor,
			PaidMinor: in.PaidMinor, OpenMinor: in.Open(), Overdue: in.Open() > 0 && in.DueDate.Before(today)})
		vm.PaidMinor += in.PaidMinor
		vm.OpenMinor += in.Open()
	}
	invs, err := s.Store.PlanInvoices(ctx, p.ID)
	if err != nil {
		return vm, err
	}
	for _, in := range invs {
		vm.Invoices = append(vm.Invoices, views.PlanInvoiceRow{Number: in.Number, OpenMinor: in.OpenMinor, Held: in.Held})
	}
	history, err := s.Store.PlanTimeline(ctx, sc.creditorID(), p.DebtorID, ids)
	if err != nil {
		return vm, err
	}
	loc := s.staffLocale(w, r, sc)
	for _, e := range history {
		vm.History = append(vm.History, timelineRow(loc, zone, e))
	}
	return vm, nil
}

// planActionFailed shows the plan page again after an action failed for
// a reason staff can act on (a conflict, a field); set fills in the
// form's state. Other errors go to the error page.
func (s *Server) planActionFailed(w http.ResponseWriter, r *http.Request, sc *staffCtx, id int64, err error,
	set func(vm *views.StaffPlanVM, fields map[string]string)) error {
	loc := s.staffLocale(w, r, sc)
	fields, isField := planFieldErrors(loc, sc.creditor.Currency, err)
	text, isDomain := planErrorText(loc, sc.creditor.Currency, err)
	if !isField && !isDomain {
		return err
	}
	vm, lerr := s.planVM(w, r, sc, id)
	if lerr != nil {
		return lerr
	}
	status := statusOf(ar.ErrorCode(err))
	if isField {
		status = http.StatusUnprocessableEntity
		if set != nil {
			set(&vm, fields)
		} else {
			for _, msg := range fields {
				vm.Error = msg
			}
		}
	} else {
		vm.Error = text
	}
	if status == http.StatusBadRequest {
		status = http.StatusUnprocessableEntity
	}
	return s.renderStaff(w, r, status, sc, views.StaffPlanPage(vm))
}

// planFormFailed shows a plan form again after err when staff can act on
// it: field errors (field → message) or a conflict (text). Other errors
// go to the error page.
func (s *Server) planFormFailed(w http.ResponseWriter, r *http.Request, sc *staffCtx, err error,
	show func(fields map[string]string, text string) error) error {
	loc := s.staffLocale(w, r, sc)
	if fields, ok := planFieldErrors(loc, sc.creditor.Currency, err); ok {
		return show(fields, "")
	}
	if text, ok := planErrorText(loc, sc.creditor.Currency, err); ok {
		return show(nil, text)
	}
	return err
}

// statusOfForm is the status of a form shown again: 409 when something
// changed meanwhile, else 422.
func statusOfForm(err error) int {
	if ar.ErrorCode(err) == ar.Conflict {
		return http.StatusConflict
	}
	return http.StatusUnprocessableEntity
}
