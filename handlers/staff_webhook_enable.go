package handlers

import (
	"net/http"
)

// staffWebhookEnable sends deliveries to a disabled endpoint again.
func (s *Server) staffWebhookEnable(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	id, err := pathID(r, "endpoint")
	if err != nil {
		return err
	}
	if _, err := s.settings.EnableWebhook(r.Context(), sc.admin(), id); err != nil {
		return err
	}
	return redirect(w, r, webhookURL(id)+"?notice=enabled")
}
