package handlers

import (
	"net/http"

	"github.com/settle/settle/views"
)

// staffWebhookRotate gives an endpoint a new signing secret and shows it
// once; the old secret keeps signing for a day.
func (s *Server) staffWebhookRotate(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	id, err := pathID(r, "endpoint")
	if err != nil {
		return err
	}
	ep, secret, err := s.settings.RotateWebhookSecret(r.Context(), sc.admin(), id)
	if err != nil {
		return err
	}
	return s.renderStaff(w, r, http.StatusOK, sc, views.StaffSecretPage(views.StaffSecretVM{
		Kind: "webhook_rotated", Name: ep.URL, Secret: secret, EndpointID: ep.ID}))
}
