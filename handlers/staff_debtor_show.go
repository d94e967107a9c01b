package handlers

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/backoffice"
	"github.com/settle/settle/internal/i18n"
	"github.com/settle/settle/internal/store"
	"github.com/settle/settle/views"
)

// debtorParam reads {debtor}: a debtor id; anything else is not found.
func debtorParam(r *http.Request) (int64, error) { return pathID(r, "debtor") }

// actor is the signed-in staff member as the back office records them.
func (sc *staffCtx) actor() backoffice.Actor {
	return backoffice.Actor{StaffID: sc.sess.User.ID, CreditorID: sc.creditorID(), Email: sc.sess.User.Email}
}

// timelineFilters are the filter chips, in order.
var timelineFilters = []string{"calls", "messages", "payments", "links", "notes", "invoices"}

// staffDebtorShow is the debtor view.
func (s *Server) staffDebtorShow(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	vm := views.StaffDebtorVM{}
	switch r.URL.Query().Get("done") {
	case "call":
		vm.Notice = "staff.call.logged"
	case "callback":
		vm.Notice = "staff.callback.scheduled"
	case "note":
		vm.Notice = "staff.note.added"
	case "link":
		vm.Notice, vm.NoticeArg = "staff.link.sent", r.URL.Query().Get("to")
	}
	// The call pop pre-fills the call log.
	if n := r.URL.Query().Get("number"); n != "" || r.URL.Query().Get("call") != "" {
		vm.Call = views.CallForm{Open: true, Direction: r.URL.Query().Get("call"), Number: n, Outcome: "reached"}
		if vm.Call.Direction != "outbound" {
			vm.Call.Direction = "inbound"
		}
	}
	return s.renderDebtor(w, r, sc, http.StatusOK, vm)
}

// renderDebtor loads the debtor into vm (keeping any form state) and
// renders the debtor view.
func (s *Server) renderDebtor(w http.ResponseWriter, r *http.Request, sc *staffCtx, status int, vm views.StaffDebtorVM) error {
	id, err := debtorParam(r)
	if err != nil {
		return err
	}
	filter := r.URL.Query().Get("kind")
	if _, ok := backoffice.TimelineFilters[filter]; !ok {
		filter = ""
	}
	v, err := s.office.View(r.Context(), sc.creditorID(), id, filter)
	if err != nil {
		return err
	}
	loc := s.Catalog.Locale(s.language(w, r, page{staff: sc}))
	zone := v.Creditor.Location()
	vm.Debtor, vm.Summary, vm.Invoices, vm.Today = v.Debtor, v.Summary, v.Invoices, v.Today
	vm.Filter, vm.Filters = filter, timelineFilters
	vm.Call.PromiseDays = int(v.PromiseLast.Sub(v.PromiseFirst).Hours()/24 + 0.5)
	for _, p := range v.Payments {
		vm.Payments = append(vm.Payments, views.StaffPaymentRow{PublicID: p.PublicID, Method: p.Method, Status: p.Status,
			AmountMinor: p.AmountMinor, Currency: p.Currency, Date: p.ValueDate})
	}
	for _, p := range v.Promises {
		vm.Promises = append(vm.Promises, views.StaffPromiseRow{AmountMinor: p.AmountMinor, Currency: p.Currency,
			DueDate: p.DueDate, Status: p.Status, Source: p.Source})
	}
	for _, t := range v.Tasks {
		row := views.StaffTaskRow{Kind: t.Kind, Note: t.Note}
		if t.DueAt != nil {
			at := t.DueAt.In(zone)
			row.DueAt = &at
		}
		vm.Tasks = append(vm.Tasks, row)
	}
	for _, e := range v.Timeline {
		row := timelineRow(loc, zone, e)
		if n := creditNoteOf(e.Interaction); n != "" {
			row.DocHref, row.DocKey, row.DocArgs = staffCreditNotePath(id, n), "page.credit_note.pdf", []any{"Number", n}
		}
		vm.Timeline = append(vm.Timeline, row)
	}
	if err := s.debtorPlans(r.Context(), sc, id, &vm); err != nil {
		return err
	}
	disputes, err := s.Store.DebtorDisputes(r.Context(), sc.creditorID(), id)
	if err != nil {
		return err
	}
	for _, d := range disputes {
		vm.Disputes = append(vm.Disputes, views.StaffDisputeRow{ID: d.ID, InvoiceNumber: d.InvoiceNumber, Reason: d.ReasonLabel,
			AmountMinor: d.DisputedMinor, Currency: d.Currency, Status: string(d.Status), Opened: d.CreatedAt.In(zone),
			Kind: d.Kind})
	}
	// reminders (issue 9): preferences, pause and hardship.
	if err := s.debtorReminders(r.Context(), r, sc, id, &vm); err != nil {
		return err
	}
	// experiments (issue 9): the propensity-to-pay score.
	if err := s.debtorPropensity(r.Context(), sc, id, &vm); err != nil {
		return err
	}
	return s.renderStaff(w, r, status, sc, views.StaffDebtorPage(vm))
}

// timelineRow renders one entry for staff: the staff wording for the
// kind, else the debtor's, else the kind itself.
func timelineRow(loc *i18n.Locale, zone *time.Location, e store.TimelineEntry) views.StaffTimelineRow {
	args := timelineArgs(loc, zone, e.Interaction)
	row := views.StaffTimelineRow{At: e.OccurredAt.In(zone), Internal: e.Visibility == ar.InternalOnly, Text: e.Kind}
	if key := "staff.timeline." + e.Kind; loc.Has(key) {
		row.Text = loc.T(key, args...)
	} else if key := "history." + e.Kind; loc.Has(key) {
		row.Text = loc.T(key, args...)
	}
	if key := "staff.channel." + e.Channel; e.Channel != "" {
		row.Channel = e.Channel
		if loc.Has(key) {
			row.Channel = loc.T(key)
		}
	}
	if e.StaffEmail != nil {
		row.By = *e.StaffEmail
	} else if e.Actor == "debtor" {
		row.By = loc.T("staff.timeline.by_debtor")
	}
	if row.Internal || strings.HasPrefix(e.Kind, "plan.") { // a plan's note: the reason given to the debtor
		for _, k := range []string{"text", "note"} {
			if t, ok := e.Data[k].(string); ok && t != "" {
				row.Detail = t
			}
		}
	}
	return row
}

// timelineArgs are an entry's data for its text.
func timelineArgs(loc *i18n.Locale, zone *time.Location, in ar.Interaction) []any {
	str := func(k string) string { v, _ := in.Data[k].(string); return v }
	args := historyArgs(loc, in)
	when := ""
	if t, err := time.Parse(time.RFC3339, str("at")); err == nil {
		when = loc.DateTime(t.In(zone))
	}
	date := ""
	if d, err := time.Parse(time.DateOnly, str("date")); err == nil {
		date = loc.Date(d)
	}
	count := ""
	if n, ok := in.Data["count"].(float64); ok {
		count = strconv.Itoa(int(n))
	}
	task := ""
	if k := str("task_kind"); k != "" {
		task = loc.T("staff.queue." + k)
	}
	plan := ""
	if k := str("plan_kind"); k == "instalments" || k == "deferral" {
		plan = loc.T("history.plan_kind." + k)
	}
	planKind := ""
	if k := str("plan_kind"); k != "" {
		if n, ok := in.Data["instalments"].(float64); ok && k == string(ar.PlanInstalments) {
			planKind = loc.N("staff.timeline.plan_kind.instalments_n", int(n))
		} else {
			planKind = loc.T("staff.timeline.plan_kind." + k)
		}
	}
	return append(args, "Note", str("note"), "Plan", plan, "PlanKind", planKind, "Task", task, "Direction", loc.T("staff.call.direction."+str("direction")),
		"Outcome", loc.T("staff.call.outcome."+str("outcome")), "At", when, "Date", date, "To", str("to"), "Count", count)
}

// debtorPlans fills the debtor view's payment plans: status, total, what
// is paid, the next instalment, and how it is paid (autopay and the
// mandate's state).
func (s *Server) debtorPlans(ctx context.Context, sc *staffCtx, debtorID int64, vm *views.StaffDebtorVM) error {
	if s.Plans == nil {
		return nil
	}
	vm.PlansOn = true
	list, err := s.Plans.DebtorPlans(ctx, sc.creditorID(), debtorID)
	if err != nil {
		return err
	}
	var mandates map[int64]string
	replaced := map[int64]bool{}
	for _, p := range list {
		if p.Replaces != nil {
			replaced[*p.Replaces] = true
		}
	}
	for _, p := range list {
		if p.MandateID != nil && mandates == nil {
			if mandates, err = s.Store.PlanMandateStatuses(ctx, sc.creditorID(), debtorID); err != nil {
				return err
			}
		}
		row := views.StaffDebtorPlanRow{ID: p.ID, PublicID: p.PublicID, Kind: string(p.Kind), Status: string(p.Status),
			TotalMinor: p.TotalMinor, PaidMinor: p.PaidMinor(), Currency: p.Currency, Autopay: p.Autopay}
		if p.Status == ar.PlanRejected && replaced[p.ID] {
			row.Status = "replaced"
		}
		if p.MandateID != nil {
			row.MandateStatus = mandates[*p.MandateID]
		}
		if next := p.Next(); next != nil && p.Status.Holds() {
			due := next.DueDate
			row.NextDue, row.NextOpenMinor = &due, next.Open()
		}
		vm.Plans = append(vm.Plans, row)
	}
	return nil
}
