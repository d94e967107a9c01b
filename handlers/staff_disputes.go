package handlers

// Shared by the back office's dispute pages: reading {dispute} and the
// page's view model.

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/views"
)

// disputeParam reads {dispute}: a dispute id; anything else is not found.
func disputeParam(r *http.Request) (int64, error) { return pathID(r, "dispute") }

// staffDisputeNotices are the notices after an action (?done=).
var staffDisputeNotices = map[string]string{
	"replied": "staff.disputes.done.replied",
	"closed":  "staff.disputes.done.closed",
	// The decisions.
	"accepted": "staff.disputes_decide.done.accepted",
	"rejected": "staff.disputes_decide.done.rejected",
	"asked":    "staff.disputes_decide.done.asked",
	// "Already paid": a payment matched.
	"matched":        "staff.paid_match.done.matched",
	"matched_partly": "staff.paid_match.done.matched_partly",
}

// staffDisputeVM loads one of the session creditor's disputes for its
// page: the customer, the invoice with every line (the disputed ones
// marked), and the conversation.
func (s *Server) staffDisputeVM(r *http.Request, sc *staffCtx, id int64) (views.StaffDisputeVM, error) {
	ctx := r.Context()
	if err := s.disputesOn(); err != nil {
		return views.StaffDisputeVM{}, err
	}
	d, err := s.Store.Dispute(ctx, sc.creditorID(), id, false)
	if err != nil {
		return views.StaffDisputeVM{}, err
	}
	deb, err := s.Store.Debtor(ctx, sc.creditorID(), d.DebtorID)
	if err != nil {
		return views.StaffDisputeVM{}, err
	}
	inv, err := s.Store.Invoice(ctx, sc.creditorID(), d.DebtorID, d.InvoiceNumber)
	if err != nil {
		return views.StaffDisputeVM{}, err
	}
	dv, err := s.disputeVM(ctx, d, inv, sc.creditor.Location(), func(a string) string {
		return staffDisputePath(d.ID, "/attachments/"+url.PathEscape(a))
	})
	if err != nil {
		return views.StaffDisputeVM{}, err
	}
	dv.Form.Action = staffDisputePath(d.ID, "/messages")
	if dv.CreditNote != "" {
		dv.CreditNoteURL = staffCreditNotePath(deb.ID, dv.CreditNote)
	}
	vm := views.StaffDisputeVM{ID: d.ID, DisputeVM: dv, DebtorID: deb.ID, DebtorName: deb.Name,
		CustomerNumber: deb.CustomerNumber, InvoiceTotal: inv.TotalMinor, InvoiceOpen: inv.OpenMinor,
		InvoicePDF: "/staff/debtors/" + strconv.FormatInt(deb.ID, 10) + "/invoices/" + inv.Number + "/pdf"}
	chosen := d.LinePositions()
	for _, l := range inv.Lines {
		vm.InvoiceLines = append(vm.InvoiceLines, views.DisputeLineVM{Position: l.Position, Description: l.Description,
			TotalMinor: l.TotalMinor, Disputed: d.Kind != ar.CaseCreditRequest && (len(chosen) == 0 || slices.Contains(chosen, l.Position))})
	}
	if d.AssistedBy != nil {
		if u, err := s.Store.StaffUser(ctx, nil, *d.AssistedBy); err == nil {
			vm.AssistedBy = u.Email
		}
	}
	return vm, nil
}
