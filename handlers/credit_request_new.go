package handlers

import (
	"net/http"

	"github.com/settle/settle/views"
)

// creditRequestNew is "request a credit note": the form, with the
// invoice of ?invoice= chosen when it is one of the debtor's.
func (s *Server) creditRequestNew(w http.ResponseWriter, r *http.Request, ds *debtorSession) error {
	if err := s.disputesOn(); err != nil {
		return err
	}
	p, err := s.debtorPage(r.Context(), ds)
	if err != nil {
		return err
	}
	vm, err := s.creditFormVM(r.Context(), ds, creditForm{})
	if err != nil {
		return err
	}
	for _, inv := range vm.Invoices {
		if inv.Number == r.URL.Query().Get("invoice") {
			vm.Invoice = inv.Number
		}
	}
	return s.render(w, r, http.StatusOK, p, views.CreditRequestFormPage(vm))
}
