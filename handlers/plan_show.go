package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/views"
)

// planShow is one of the debtor's plans: where it stands, the
// instalments with the next one payable, the invoices, and the actions
// its state allows. Anyone else's plan is a 404.
func (s *Server) planShow(w http.ResponseWriter, r *http.Request, ds *debtorSession) error {
	if s.Plans == nil {
		return ar.Errorf(ar.NotFound, "page.error.not_found.body")
	}
	p, err := s.debtorPage(r.Context(), ds)
	if err != nil {
		return err
	}
	plan, vm, err := s.loadPlanVM(r.Context(), p.creditor, ds.DebtorID, r.PathValue("plan"))
	if err != nil {
		return err
	}
	if vm.Autopay, err = s.autopayVM(r, ds, plan); err != nil {
		return err
	}
	vm.Notice = planNoticeKeys[r.URL.Query().Get("done")]
	return s.render(w, r, http.StatusOK, p, views.PlanPage(vm))
}
