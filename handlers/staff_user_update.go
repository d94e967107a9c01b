package handlers

import (
	"net/http"
	"strconv"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/staff"
	"github.com/settle/settle/views"
)

// staffUserUpdate changes an account's name, role, second-factor rule
// and whether it is disabled.
func (s *Server) staffUserUpdate(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	id, err := pathID(r, "user")
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return ar.Errorf(ar.Invalid, "error.form")
	}
	f := staff.UserForm{Name: r.PostFormValue("name"), Role: r.PostFormValue("role"),
		TOTPRequired: r.PostFormValue("totp_required") != "", Disabled: r.PostFormValue("disabled") != ""}
	err = s.Staff.UpdateUser(r.Context(), sc.sess.User, sc.creditorID(), id, f)
	if fields, ok := formErrors(err); ok {
		cid := sc.creditorID()
		u, err2 := s.Store.StaffUser(r.Context(), &cid, id)
		if err2 != nil {
			return err2
		}
		vm := s.staffUserForm(sc, u)
		vm.Name, vm.Role, vm.TOTPRequired, vm.Disabled, vm.Errors = f.Name, f.Role, f.TOTPRequired, f.Disabled, fields
		return s.renderStaff(w, r, statusOf(ar.ErrorCode(err)), sc, views.StaffUserFormPage(vm))
	} else if err != nil {
		return err
	}
	return redirect(w, r, "/staff/users/"+strconv.FormatInt(id, 10)+"?notice=saved")
}
