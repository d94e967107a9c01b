package handlers

import (
	"net/http"
)

// staffWebhookRemove deletes an endpoint with its delivery history.
func (s *Server) staffWebhookRemove(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	id, err := pathID(r, "endpoint")
	if err != nil {
		return err
	}
	if _, err := s.settings.RemoveWebhook(r.Context(), sc.admin(), id); err != nil {
		return err
	}
	return redirect(w, r, "/staff/settings/webhooks?notice=removed")
}
