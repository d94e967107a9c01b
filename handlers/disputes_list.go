package handlers

import (
	"net/http"

	"github.com/settle/settle/views"
)

// disputesList lists the debtor's disputes, newest first, with what the
// live ones hold.
func (s *Server) disputesList(w http.ResponseWriter, r *http.Request, ds *debtorSession) error {
	if err := s.disputesOn(); err != nil {
		return err
	}
	p, err := s.debtorPage(r.Context(), ds)
	if err != nil {
		return err
	}
	list, err := s.Store.DebtorDisputes(r.Context(), ds.CreditorID, ds.DebtorID)
	if err != nil {
		return err
	}
	holds, err := s.Store.DisputeHolds(r.Context(), ds.CreditorID, ds.DebtorID)
	if err != nil {
		return err
	}
	zone := p.creditor.Location()
	var vm views.DisputesVM
	for _, d := range list {
		held := int64(0)
		if h, ok := holds[d.InvoiceID]; ok && h.PublicID == d.PublicID {
			held = h.HeldMinor
		}
		vm.Disputes = append(vm.Disputes, views.DisputeVM{PublicID: d.PublicID, Number: d.InvoiceNumber,
			Status: string(d.Status), Reason: d.Reason, ReasonLabel: d.ReasonLabel, DisputedMinor: held,
			Currency: d.Currency, CreatedAt: d.CreatedAt.In(zone), Kind: d.Kind})
	}
	return s.render(w, r, http.StatusOK, p, views.DisputesPage(vm))
}
