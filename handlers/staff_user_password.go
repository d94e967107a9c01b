package handlers

import (
	"net/http"

	"github.com/settle/settle/views"
)

// staffUserPassword gives an account a new generated password, shown
// once in the answer to this POST (see staffUserCreate), and ends the
// account's sessions.
func (s *Server) staffUserPassword(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	id, err := pathID(r, "user")
	if err != nil {
		return err
	}
	email, password, err := s.Staff.ResetPassword(r.Context(), sc.sess.User, sc.creditorID(), id)
	if err != nil {
		return err
	}
	return s.renderStaff(w, r, http.StatusOK, sc, views.StaffPasswordPage(views.StaffPasswordVM{
		ID: id, Email: email, Password: password}))
}
