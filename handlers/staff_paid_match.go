package handlers

// Shared by the dispute page and the match: the debtor's payments with
// money left on the account, for "already paid".

import (
	"net/http"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/staff"
	"github.com/settle/settle/views"
)

// paidMatchVM fills the "already paid" section of a live dispute's page
// for staff who decide: the debtor's unallocated payment money, those
// that fit what the debtor said first, with what matching each would do.
func (s *Server) paidMatchVM(r *http.Request, sc *staffCtx, vm *views.StaffDisputeVM) error {
	if !vm.Live() || !sc.can(staff.PermDecide) {
		return nil
	}
	ctx := r.Context()
	d, err := s.Store.Dispute(ctx, sc.creditorID(), vm.ID, false)
	if err != nil {
		return err
	}
	list, err := s.Disputes.MatchCandidates(ctx, sc.creditorID(), d)
	if err != nil {
		return err
	}
	pm := views.PaidMatchVM{Shown: true, Highlight: d.Reason == ar.ReasonAlreadyPaid,
		Action: staffDisputePath(d.ID, "/match")}
	for _, c := range list {
		moves := min(c.RemainderMinor, max(vm.InvoiceOpen, 0))
		pm.Payments = append(pm.Payments, views.PaidMatchPaymentVM{ID: c.PublicID, Date: c.ValueDate,
			AmountMinor: c.AmountMinor, LeftMinor: c.RemainderMinor, Currency: c.Currency, Reference: c.Reference,
			Method: c.Method, Fits: c.Fits, MovesMinor: moves, OpenAfter: vm.InvoiceOpen - moves})
	}
	vm.PaidMatch = pm
	return nil
}
