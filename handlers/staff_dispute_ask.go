package handlers

import (
	"net/http"

	"github.com/settle/settle/views"
)

// staffDisputeAsk asks the debtor for more information: the dispute
// waits for their answer. A decided dispute is a 409; another
// creditor's a 404.
func (s *Server) staffDisputeAsk(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
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
	question := r.PostForm.Get("question")
	_, err = s.Disputes.AskInfo(r.Context(), sc.creditor, sc.sess.User.ID, id, question)
	return s.staffDisputeDecided(w, r, sc, id, "asked", err, func(f *views.DisputeDecisionVM) { f.Question = question })
}
