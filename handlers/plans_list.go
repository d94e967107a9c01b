package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/views"
)

// plansList lists the debtor's plans and requests, newest first.
func (s *Server) plansList(w http.ResponseWriter, r *http.Request, ds *debtorSession) error {
	if s.Plans == nil {
		return ar.Errorf(ar.NotFound, "page.error.not_found.body")
	}
	p, err := s.debtorPage(r.Context(), ds)
	if err != nil {
		return err
	}
	list, err := s.Plans.DebtorPlans(r.Context(), ds.CreditorID, ds.DebtorID)
	if err != nil {
		return err
	}
	today := p.creditor.Today(s.Now())
	var vm views.PlansVM
	for _, pv := range list {
		vm.Plans = append(vm.Plans, planVM(&pv.Plan, pv.Instalments, pv.Invoices, nil, today))
	}
	return s.render(w, r, http.StatusOK, p, views.PlansPage(vm))
}
