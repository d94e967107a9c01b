package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/staff"
	"github.com/settle/settle/views"
)

// staffUserNew is the form for a new staff account.
func (s *Server) staffUserNew(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	return s.renderStaff(w, r, http.StatusOK, sc, views.StaffUserFormPage(views.StaffUserFormVM{Role: staff.RoleAgent}))
}
