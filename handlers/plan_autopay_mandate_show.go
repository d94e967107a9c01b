package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/views"
)

// mandateShow is the debtor's direct-debit mandate: its state, the
// masked account, the plans that use it, and the way to revoke it.
func (s *Server) mandateShow(w http.ResponseWriter, r *http.Request, ds *debtorSession) error {
	vm, err := s.mandateVM(r, ds)
	if err != nil {
		return err
	}
	vm.Revoked = r.URL.Query().Get("revoked") == "1" && vm.Status == "revoked"
	p, err := s.debtorPage(r.Context(), ds)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, p, views.MandatePage(vm))
}

// mandateVM is the mandate page's content.
func (s *Server) mandateVM(r *http.Request, ds *debtorSession) (views.MandateVM, error) {
	var vm views.MandateVM
	if s.Autopay == nil {
		return vm, nil
	}
	m, err := s.Autopay.Mandate(r.Context(), ds.CreditorID, ds.DebtorID)
	if ar.IsNotFound(err) {
		return vm, nil
	} else if err != nil {
		return vm, err
	}
	p, err := s.debtorPage(r.Context(), ds)
	if err != nil {
		return vm, err
	}
	zone := p.creditor.Location()
	vm = views.MandateVM{Exists: true, Status: m.Status, Account: m.Details, Since: m.CreatedAt.In(zone)}
	if m.RevokedAt != nil {
		at := m.RevokedAt.In(zone)
		vm.RevokedAt = &at
	}
	for _, pl := range m.Plans {
		vm.Plans = append(vm.Plans, views.MandatePlanVM{PublicID: pl.PublicID, TotalMinor: pl.TotalMinor,
			Currency: pl.Currency, Autopay: pl.Autopay})
	}
	return vm, nil
}
