package handlers

import (
	"net/http"

	"github.com/settle/settle/views"
)

// userNotices are the notices the account page shows after a change.
var userNotices = map[string]string{
	"saved":      "staff.users.saved",
	"totp_reset": "staff.users.totp_reset_done",
}

// staffUserShow is an account of the creditor with its edit form.
func (s *Server) staffUserShow(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	id, err := pathID(r, "user")
	if err != nil {
		return err
	}
	cid := sc.creditorID()
	u, err := s.Store.StaffUser(r.Context(), &cid, id)
	if err != nil {
		return err
	}
	vm := s.staffUserForm(sc, u)
	vm.Notice = userNotices[r.URL.Query().Get("notice")]
	return s.renderStaff(w, r, http.StatusOK, sc, views.StaffUserFormPage(vm))
}
