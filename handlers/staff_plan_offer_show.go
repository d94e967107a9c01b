package handlers

import (
	"net/http"
	"strconv"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/views"
)

// staffPlanOfferShow is the counter-offer form for a request, filled in
// with what the debtor asked for.
func (s *Server) staffPlanOfferShow(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	id, err := planParam(r)
	if err != nil {
		return err
	}
	vm, err := s.planVM(w, r, sc, id)
	if err != nil {
		return err
	}
	if !vm.Open() {
		return ar.Errorf(ar.Conflict, "error.plan.decided")
	}
	f := views.PlanFormVM{Kind: vm.Kind}
	if vm.Kind == string(ar.PlanDeferral) && len(vm.Schedule) > 0 {
		f.DeferTo = vm.Schedule[len(vm.Schedule)-1].Due.Format(time.DateOnly)
	} else {
		f.Instalments = strconv.Itoa(len(vm.Schedule))
		if vm.Day > 0 {
			f.Day = strconv.Itoa(vm.Day)
		}
	}
	return s.renderStaff(w, r, http.StatusOK, sc, views.StaffPlanOfferPage(views.StaffPlanOfferVM{Plan: vm, Form: f}))
}
