package handlers

import (
	"net/http"
	"strconv"
)

// staffWebhookReplay sends one of the creditor's deliveries again.
func (s *Server) staffWebhookReplay(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	id, err := pathID(r, "delivery")
	if err != nil {
		return err
	}
	d, err := s.settings.ReplayDelivery(r.Context(), sc.admin(), id)
	if err != nil {
		return err
	}
	return redirect(w, r, webhookURL(d.EndpointID)+"?notice=replayed")
}

// webhookURL is an endpoint's page.
func webhookURL(id int64) string { return "/staff/settings/webhooks/" + strconv.FormatInt(id, 10) }
