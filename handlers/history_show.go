package handlers

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

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
	"plan.instalment_reminded": true,
	// Promises to pay (internal/promises): the reminder, kept or broken.
	"promise.reminded": true, "promise.kept": true, "promise.broken": true,
	// Disputes (internal/disputes): opened, and the messages both ways.
	"dispute.opened": true, "dispute.message": true, "dispute.replied": true,
	"dispute.accepted": true, "dispute.rejected": true, "dispute.info_requested": true,
	// "Already paid": staff matched the debtor's payment to the invoice.
	"dispute.matched": true,
	// reminders (issue 9): the debtor's reminder preferences, old → new.
	"reminder_prefs.changed": true,
	// Dunning (internal/dunning): each stage sent, one entry per invoice
	// (a stage that could not be sent is an internal entry).
	"dunning.nudge": true, "dunning.soft": true, "dunning.reminder": true, "dunning.final": true, "dunning.handover": true,
	// Issue 9: withdrawn cases, and credit requests (a kind of dispute
	// case: every step under credit_request.*).
	"dispute.withdrawn": true, "credit_request.opened": true, "credit_request.message": true,
	"credit_request.replied": true, "credit_request.info_requested": true, "credit_request.accepted": true,
	"credit_request.rejected": true, "credit_request.withdrawn": true,
}

// historyFilter is one of the history page's filters: the kinds it
// shows, as prefixes ("payment.") or exact kinds. An entry may belong
// to more than one (a promise's reminder is a message and a promise).
type historyFilter struct {
	Key   string
	Kinds []string
}

// historyFilters are the filters, in the order the page offers them.
var historyFilters = []historyFilter{
	{"payments", []string{"payment.booked", "payment.failed", "payment.reversed", "credit_note.", "service."}},
	{"invoices", []string{"invoice.", "statement."}},
	{"messages", []string{"link.sent", "payment.link_sent", "plan.instalment_reminded", "promise.reminded", "reminder.", "message.", "dunning."}},
	{"calls", []string{"call.", "callback.", "promise."}},
	{"plans", []string{"plan."}},
	{"disputes", []string{"dispute.", "credit_request."}},
	{"visits", []string{"link.opened", "assist."}},
}

// historyFilterKinds are the kinds a filter shows ("" or an unknown
// filter: all), always within historyKinds.
func historyFilterKinds(filter string) (string, []string) {
	var prefixes []string
	for _, f := range historyFilters {
		if f.Key == filter {
			prefixes = f.Kinds
		}
	}
	if prefixes == nil {
		filter = ""
	}
	var kinds []string
	for k := range historyKinds {
		if prefixes == nil || slices.ContainsFunc(prefixes, func(p string) bool {
			return p == k || strings.HasSuffix(p, ".") && strings.HasPrefix(k, p)
		}) {
			kinds = append(kinds, k)
		}
	}
	slices.Sort(kinds)
	return filter, kinds
}

// historyShow is the shared timeline, newest first (after the step-up),
// all of it or one kind (?kind=), with the documents each entry refers
// to.
func (s *Server) historyShow(w http.ResponseWriter, r *http.Request, ds *debtorSession) error {
	p, err := s.debtorPage(r.Context(), ds)
	if err != nil {
		return err
	}
	filter, kinds := historyFilterKinds(r.URL.Query().Get("kind"))
	list, err := s.Store.CustomerTimeline(r.Context(), ds.CreditorID, ds.DebtorID, kinds, 200)
	if err != nil {
		return err
	}
	loc := s.Catalog.Locale(s.language(w, r, p))
	vm := views.HistoryVM{Filter: filter}
	for _, f := range historyFilters {
		vm.Filters = append(vm.Filters, f.Key)
	}
	zone := p.creditor.Location()
	for _, in := range list {
		if !historyKinds[in.Kind] {
			continue
		}
		e := views.HistoryEntry{At: in.OccurredAt.In(zone), Kind: in.Kind, Key: "history." + in.Kind, Args: timelineArgs(loc, zone, in),
			Channel: in.Channel, ByStaff: in.StaffID != nil, Docs: historyDocs(in)}
		if key := "history.channel." + in.Channel; in.Channel != "" && loc.Has(key) {
			e.ChannelKey = key
		}
		vm.Entries = append(vm.Entries, e)
	}
	return s.render(w, r, http.StatusOK, p, views.HistoryPage(vm))
}

// historyDocs are the documents and pages an entry refers to: an
// invoice's PDF, the statement of the period downloaded, a plan's page.
func historyDocs(in ar.Interaction) []views.HistoryDoc {
	str := func(k string) string { v, _ := in.Data[k].(string); return v }
	switch {
	case (strings.HasPrefix(in.Kind, "invoice.") || strings.HasPrefix(in.Kind, "dunning.")) && str("number") != "":
		n := str("number")
		return []views.HistoryDoc{{Href: "/account/invoices/" + url.PathEscape(n) + "/pdf", Key: "page.history.doc.invoice_pdf",
			Args: []any{"Number", n}, TestID: "doc-invoice-pdf"}}
	case in.Kind == "statement.downloaded":
		q := url.Values{}
		for _, k := range []string{"from", "to"} {
			if _, err := time.Parse(time.DateOnly, str(k)); err == nil {
				q.Set(k, str(k))
			}
		}
		href := "/account/statement"
		if len(q) > 0 {
			href += "?" + q.Encode()
		}
		return []views.HistoryDoc{{Href: href, Key: "page.history.doc.statement", TestID: "doc-statement"}}
	case creditNoteOf(in) != "":
		n := creditNoteOf(in)
		return []views.HistoryDoc{{Href: creditNotePath(n), Key: "page.credit_note.pdf", Args: []any{"Number", n},
			TestID: "doc-credit-note-pdf"}}
	case strings.HasPrefix(in.Kind, "plan.") && str("plan") != "":
		return []views.HistoryDoc{{Href: "/account/plans/" + url.PathEscape(str("plan")), Key: "page.history.doc.plan", TestID: "doc-plan"}}
	}
	return nil
}

// creditNoteOf is the number of the credit note a timeline entry issued
// (from the API or by accepting a dispute), "" for none.
func creditNoteOf(in ar.Interaction) string {
	key := map[string]string{"credit_note.issued": "number", "dispute.accepted": "credit_note"}[in.Kind]
	if key == "" {
		return ""
	}
	n, _ := in.Data[key].(string)
	return n
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
	args := []any{"Amount", amount, "Number", str("number"), "Status", loc.T("history.status." + str("status")),
		"Reason", loc.T("history.reason." + str("reason")), "Channel", in.Channel}
	// reminders (issue 9): what a change of reminder preferences changed;
	// dunning: a reminder's fee, interest and stage.
	args = append(args, dunningArgs(loc, in)...)
	return append(args, reminderArgs(loc, in)...)
}
