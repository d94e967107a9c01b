package handlers

import (
	"net/http"

	"github.com/settle/settle/views"
)

// staffUsersList lists the staff accounts of the creditor being worked
// on (an operator's admin sees the chosen creditor's; operators' own
// accounts are not listed).
func (s *Server) staffUsersList(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	cid := sc.creditorID()
	list, err := s.Store.StaffUsers(r.Context(), &cid)
	if err != nil {
		return err
	}
	loc := sc.creditor.Location()
	vm := views.StaffUsersVM{}
	for _, u := range list {
		row := views.StaffUserRow{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role, TOTPEnrolled: u.TOTPConfirmedAt != nil,
			TOTPRequired: u.TOTPRequired, Disabled: u.DisabledAt != nil, Self: u.ID == sc.sess.User.ID}
		if u.LastLoginAt != nil {
			t := u.LastLoginAt.In(loc)
			row.LastLogin = &t
		}
		vm.Users = append(vm.Users, row)
	}
	return s.renderStaff(w, r, http.StatusOK, sc, views.StaffUsersPage(vm))
}
