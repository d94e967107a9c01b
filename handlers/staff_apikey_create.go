package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/views"
)

// staffAPIKeyCreate makes an API key and shows it, once, in the answer
// to this POST (as staffUserCreate shows a password): only its hash is
// stored, the page is not cached, and the key is neither logged nor
// audited.
func (s *Server) staffAPIKeyCreate(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	if err := parseForm(w, r); err != nil {
		return ar.Errorf(ar.Invalid, "error.form")
	}
	name := r.PostFormValue("name")
	key, k, err := s.settings.CreateAPIKey(r.Context(), sc.admin(), name)
	if fields, ok := formErrors(err); ok {
		vm, err := s.apiKeysVM(r.Context(), sc)
		if err != nil {
			return err
		}
		vm.Name, vm.Errors = name, fields
		return s.renderStaff(w, r, http.StatusUnprocessableEntity, sc, views.StaffAPIKeysPage(vm))
	} else if err != nil {
		return err
	}
	return s.renderStaff(w, r, http.StatusOK, sc, views.StaffSecretPage(views.StaffSecretVM{
		Kind: "apikey", Name: k.Name, Secret: key}))
}
