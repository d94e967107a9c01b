package handlers

import (
	"net/http"
)

// staffWebhookDisable stops deliveries to an endpoint until it is enabled again.
func (s *Server) staffWebhookDisable(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	id, err := pathID(r, "endpoint")
	if err != nil {
		return err
	}
	if _, err := s.settings.DisableWebhook(r.Context(), sc.admin(), id); err != nil {
		return err
	}
	return redirect(w, r, webhookURL(id)+"?notice=disabled")
}
