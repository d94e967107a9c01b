package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/views"
)

// staffDisputeAccept accepts a dispute with a credit note for all or
// part of the disputed amount (at most what the invoice has open). A
// decided dispute is a 409; another creditor's a 404.
func (s *Server) staffDisputeAccept(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
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
	typed := r.PostForm.Get("amount")
	amount, ok := parseAmountInput(typed)
	if !ok {
		amount = 0
	}
	_, _, err = s.Disputes.Accept(r.Context(), sc.creditor, sc.sess.User.ID, id, amount)
	if !ok && err != nil && ar.ErrorCode(err) != ar.Conflict && ar.ErrorCode(err) != ar.NotFound {
		err = ar.FieldError("amount", "error.staff.disputes_decide.amount", nil)
	}
	return s.staffDisputeDecided(w, r, sc, id, "accepted", err, func(f *views.DisputeDecisionVM) { f.Amount = typed })
}
