package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/staff"
	"github.com/settle/settle/views"
)

// staffUserCreate makes a staff account at the creditor and shows its
// generated password, once. The password is answered to this POST
// rather than after a redirect, so that it is never stored anywhere to be
// shown again (the page is not cached; reloading re-posts and is refused
// as the email is taken).
func (s *Server) staffUserCreate(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	if err := parseForm(w, r); err != nil {
		return ar.Errorf(ar.Invalid, "error.form")
	}
	f := staff.UserForm{Email: r.PostFormValue("email"), Name: r.PostFormValue("name"), Role: r.PostFormValue("role"),
		TOTPRequired: r.PostFormValue("totp_required") != ""}
	id, password, err := s.Staff.CreateUser(r.Context(), sc.sess.User, sc.creditorID(), f)
	if fields, ok := formErrors(err); ok {
		vm := views.StaffUserFormVM{Email: f.Email, Name: f.Name, Role: f.Role, TOTPRequired: f.TOTPRequired, Errors: fields}
		return s.renderStaff(w, r, statusOf(ar.ErrorCode(err)), sc, views.StaffUserFormPage(vm))
	} else if err != nil {
		return err
	}
	return s.renderStaff(w, r, http.StatusOK, sc, views.StaffPasswordPage(views.StaffPasswordVM{
		ID: id, Email: normEmail(f.Email), Password: password, Created: true}))
}
