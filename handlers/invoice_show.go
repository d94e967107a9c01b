package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/views"
)

// invoiceShow shows one of the session debtor's invoices. Another
// debtor's or creditor's invoice is a 404, never a 403 that would confirm
// it exists.
func (s *Server) invoiceShow(w http.ResponseWriter, r *http.Request, ds *debtorSession) error {
	inv, err := s.Portal.Invoice(r.Context(), ds.CreditorID, ds.DebtorID, r.PathValue("number"))
	if err != nil {
		return err
	}
	p, err := s.debtorPage(r.Context(), ds)
	if err != nil {
		return err
	}
	status := ar.InvoiceStatus(inv.TotalMinor, inv.OpenMinor, inv.DueDate, p.creditor.Today(s.Now()))
	vm := views.InvoiceVM{Invoice: inv, Taxes: ar.TaxGroups(inv.Lines), Status: status}
	if s.Disputes != nil {
		if d, err := s.Store.LiveDispute(r.Context(), ds.CreditorID, inv.ID); err == nil {
			vm.Dispute = &views.InvoiceDisputeVM{PublicID: d.PublicID, HeldMinor: min(d.DisputedMinor, max(inv.OpenMinor, 0)),
				Currency: d.Currency, CreatedAt: d.CreatedAt.In(p.creditor.Location())}
		} else if !ar.IsNotFound(err) {
			return err
		}
	}
	return s.render(w, r, http.StatusOK, p, views.InvoicePage(vm))
}
