package handlers

import (
	"net/http"

	"github.com/settle/settle/views"
)

// planNotices are the notices after an action (?done=).
var planNotices = map[string]string{
	"approved":  "staff.plans.done.approved",
	"rejected":  "staff.plans.done.rejected",
	"offered":   "staff.plans.done.offered",
	"cancelled": "staff.plans.done.cancelled",
	"created":   "staff.plans.done.created",
}

// staffPlanShow is a payment plan's page: debtor, terms, schedule,
// invoices, history, and the decisions staff may take.
func (s *Server) staffPlanShow(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	id, err := planParam(r)
	if err != nil {
		return err
	}
	vm, err := s.planVM(w, r, sc, id)
	if err != nil {
		return err
	}
	vm.Notice = planNotices[r.URL.Query().Get("done")]
	return s.renderStaff(w, r, http.StatusOK, sc, views.StaffPlanPage(vm))
}
