package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/i18n"
	"github.com/settle/settle/views"
)

// historyKinds are the timeline entries a debtor sees, by kind; internal
// entries (staff notes, failed step-ups, links created) never show.
var historyKinds = map[string]bool{
	ar.KindInvoiceIssued: true, ar.KindPaymentBooked: true, ar.KindLinkOpened: true,
	"payment.failed": true, "payment.reversed": true, "credit_note.issued": true,
	"service.status": true, "service.restorable": true,
	"invoice.copy_downloaded": true, "statement.downloaded": true,
	// Written by staff (internal/backoffice); only their customer-visible
	// entries reach this page.
	"call.logged": true, "promise.made": true, "callback.scheduled": true, "link.sent": true,
	"assist.started": true, "payment.link_sent": true,
	// Payment plans and deferrals (internal/plans): every step is the
	// debtor's to see, with staff's reason when they decline.
	"plan.requested": true, "plan.approved": true, "plan.rejected": true, "plan.offered": true,
	"plan.accepted": true, "plan.cancelled": true, "plan.completed": true, "plan.broken": true,
	// Disputes (internal/disputes): opened, and the messages both ways.
	"dispute.opened": true, "dispute.message": true, "dispute.replied": true,
}

// historyShow is the shared timeline, newest first (after the step-up).
func (s *Server) historyShow(w http.ResponseWriter, r *http.Request, ds *debtorSession) error {
	p, err := s.debtorPage(r.Context(), ds)
	if err != nil {
		return err
	}
	list, err := s.Store.Interactions(r.Context(), ds.CreditorID, ds.DebtorID, true, 200)
	if err != nil {
		return err
	}
	loc := s.Catalog.Locale(s.language(w, r, p))
	var vm views.HistoryVM
	for _, in := range list {
		if !historyKinds[in.Kind] {
			continue
		}
		zone := p.creditor.Location()
		vm.Entries = append(vm.Entries, views.HistoryEntry{At: in.OccurredAt.In(zone),
			Key: "history." + in.Kind, Args: timelineArgs(loc, zone, in), Channel: in.Channel,
			ByStaff: in.StaffID != nil})
	}
	return s.render(w, r, http.StatusOK, p, views.HistoryPage(vm))
}

// historyArgs formats an entry's data for its text.
func historyArgs(loc *i18n.Locale, in ar.Interaction) []any {
	str := func(k string) string { v, _ := in.Data[k].(string); return v }
	cur := str("currency")
	if cur == "" {
		cur = "EUR"
	}
	amount := ""
	if v, ok := in.Data["amount_minor"].(float64); ok {
		amount = loc.Money(int64(v), cur)
	}
	return []any{"Amount", amount, "Number", str("number"), "Status", loc.T("history.status." + str("status")),
		"Reason", loc.T("history.reason." + str("reason")), "Channel", in.Channel}
}
