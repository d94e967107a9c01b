package handlers

import (
	"net/http"
)

// disputeAttachment downloads a file of one of the debtor's disputes.
// Another debtor's dispute, or a file of another dispute, is a 404.
func (s *Server) disputeAttachment(w http.ResponseWriter, r *http.Request, ds *debtorSession) error {
	if err := s.disputesOn(); err != nil {
		return err
	}
	d, err := s.Store.DisputeByPublicID(r.Context(), ds.CreditorID, ds.DebtorID, r.PathValue("dispute"))
	if err != nil {
		return err
	}
	a, err := s.Store.DisputeAttachment(r.Context(), ds.CreditorID, d.ID, r.PathValue("attachment"))
	if err != nil {
		return err
	}
	return serveAttachment(w, a)
}
