package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/views"
)

// disputeNew is "something is wrong with this invoice": the form, or,
// when the invoice has a live dispute already, that dispute (where the
// debtor can add to it). Another debtor's invoice is a 404.
func (s *Server) disputeNew(w http.ResponseWriter, r *http.Request, ds *debtorSession) error {
	if err := s.disputesOn(); err != nil {
		return err
	}
	inv, err := s.Portal.Invoice(r.Context(), ds.CreditorID, ds.DebtorID, r.PathValue("number"))
	if err != nil {
		return err
	}
	if live, err := s.Store.LiveDispute(r.Context(), ds.CreditorID, inv.ID); err == nil {
		return redirect(w, r, disputePath(live.PublicID, "?done=exists"))
	} else if !ar.IsNotFound(err) {
		return err
	}
	p, err := s.debtorPage(r.Context(), ds)
	if err != nil {
		return err
	}
	vm, err := s.disputeFormVM(r.Context(), p.creditor, inv, disputeForm{})
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, p, views.DisputeFormPage(vm))
}
