package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/views"
)

// staffDisputeMatch decides a live dispute by matching one of the
// debtor's payments with money left on the account (form field payment:
// its public id) to the disputed invoice. No choice is a 422 with the
// page again; another debtor's or creditor's payment a 404; a payment
// used up meanwhile, or a decided dispute, a 409 saying so.
func (s *Server) staffDisputeMatch(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	id, err := disputeParam(r)
	if err != nil {
		return err
	}
	if err := s.disputesOn(); err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	chosen := r.PostForm.Get("payment")
	m, err := s.Disputes.Match(r.Context(), sc.creditor, sc.sess.User.ID, id, chosen)
	if err == nil {
		done := "matched"
		if m.OpenMinor > 0 {
			done = "matched_partly"
		}
		return redirect(w, r, staffDisputePath(id, "?done="+done))
	}
	e, ok := ar.AsError(err)
	if !ok || e.Field != "payment" {
		return err
	}
	vm, err := s.staffDisputeDecideVM(w, r, sc, id)
	if err != nil {
		return err
	}
	vm.PaidMatch.Chosen = chosen
	vm.PaidMatch.Err = &views.FieldErr{Key: e.Key}
	return s.renderStaff(w, r, http.StatusUnprocessableEntity, sc, views.StaffDisputePage(vm))
}
