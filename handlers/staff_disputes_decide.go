package handlers

// Shared by the decisions on a dispute (accept, reject, ask): the page
// with the decision forms filled in, and re-rendering refused input.

import (
	"net/http"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/views"
)

// staffDisputeDecideVM is a dispute's page with the decision forms'
// defaults: the credit note's amount is what the dispute holds (at most
// what the invoice has open).
func (s *Server) staffDisputeDecideVM(w http.ResponseWriter, r *http.Request, sc *staffCtx, id int64) (views.StaffDisputeVM, error) {
	vm, err := s.staffDisputeVM(r, sc, id)
	if err != nil {
		return vm, err
	}
	if vm.Live() && vm.IsCreditRequest() {
		// Issue 9: a credit request holds nothing; offer what the customer asked for.
		if vm.RequestedMinor != nil {
			vm.Decision.Amount = formatAmountInput(*vm.RequestedMinor, s.staffLocale(w, r, sc).Lang)
		}
	} else if vm.Live() {
		vm.Decision.Amount = formatAmountInput(max(min(vm.DisputedMinor, vm.InvoiceOpen), 0), s.staffLocale(w, r, sc).Lang)
	}
	// "Already paid": the payments staff may match (staff_paid_match.go).
	if err := s.paidMatchVM(r, sc, &vm); err != nil {
		return vm, err
	}
	return vm, nil
}

// staffDisputeDecided ends a decision: a redirect with its notice, a
// decided dispute's 409, or the page again with what was typed and
// what was wrong (422).
func (s *Server) staffDisputeDecided(w http.ResponseWriter, r *http.Request, sc *staffCtx, id int64, done string, err error, keep func(*views.DisputeDecisionVM)) error {
	if err == nil {
		return redirect(w, r, staffDisputePath(id, "?done="+done))
	}
	fe, err := disputeErrors(s.staffLocale(w, r, sc), err)
	if err != nil {
		return err
	}
	if len(fe.fields) == 0 {
		return &ar.Error{Code: ar.Conflict, Key: fe.key}
	}
	vm, err := s.staffDisputeDecideVM(w, r, sc, id)
	if err != nil {
		return err
	}
	keep(&vm.Decision)
	vm.Decision.Errors = fe.fields
	return s.renderStaff(w, r, http.StatusUnprocessableEntity, sc, views.StaffDisputePage(vm))
}
