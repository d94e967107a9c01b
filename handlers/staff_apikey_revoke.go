package handlers

import (
	"net/http"
)

// staffAPIKeyRevoke revokes one of the creditor's API keys: requests
// with it are refused from now on.
func (s *Server) staffAPIKeyRevoke(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	id, err := pathID(r, "apikey")
	if err != nil {
		return err
	}
	if _, err := s.settings.RevokeAPIKey(r.Context(), sc.admin(), id); err != nil {
		return err
	}
	return redirect(w, r, "/staff/settings/api-keys?notice=revoked")
}
