package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/views"
)

// staffWebhookAdd registers a receiver for the creditor's events and
// shows its signing secret once, in the answer to this POST.
func (s *Server) staffWebhookAdd(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	if err := parseForm(w, r); err != nil {
		return ar.Errorf(ar.Invalid, "error.form")
	}
	rawURL, types := r.PostFormValue("url"), r.PostForm["event_types"]
	ep, secret, err := s.settings.AddWebhook(r.Context(), sc.admin(), rawURL, types)
	if fields, ok := formErrors(err); ok {
		vm, err := s.webhooksVM(r.Context(), sc)
		if err != nil {
			return err
		}
		vm.URL, vm.EventTypes, vm.Errors = rawURL, types, fields
		return s.renderStaff(w, r, http.StatusUnprocessableEntity, sc, views.StaffWebhooksPage(vm))
	} else if err != nil {
		return err
	}
	return s.renderStaff(w, r, http.StatusOK, sc, views.StaffSecretPage(views.StaffSecretVM{
		Kind: "webhook_added", Name: ep.URL, Secret: secret, EndpointID: ep.ID}))
}
