package handlers

import (
	"net/http"

	"github.com/settle/settle/views"
)

// staffDisputeReject rejects a dispute with a reason the debtor sees;
// the hold ends. A decided dispute is a 409; another creditor's a 404.
func (s *Server) staffDisputeReject(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
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
	reason := r.PostForm.Get("reason")
	_, err = s.Disputes.Reject(r.Context(), sc.creditor, sc.sess.User.ID, id, reason)
	return s.staffDisputeDecided(w, r, sc, id, "rejected", err, func(f *views.DisputeDecisionVM) { f.Reason = reason })
}
