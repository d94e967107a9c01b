package handlers

import (
	"net/http"
)

// staffDisputeAttachment downloads a file of one of the session
// creditor's disputes; another creditor's is a 404.
func (s *Server) staffDisputeAttachment(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	id, err := disputeParam(r)
	if err != nil {
		return err
	}
	if err := s.disputesOn(); err != nil {
		return err
	}
	a, err := s.Store.DisputeAttachment(r.Context(), sc.creditorID(), id, r.PathValue("attachment"))
	if err != nil {
		return err
	}
	return serveAttachment(w, a)
}
