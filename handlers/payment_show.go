package handlers

import (
	"net/http"

	"github.com/settle/settle/views"
)

// paymentShow is where the checkout returns the debtor. The state shown
// comes from a fresh fetch from Mollie (never from URL parameters); a
// payment still pending reloads itself every five seconds.
func (s *Server) paymentShow(w http.ResponseWriter, r *http.Request, ds *debtorSession) error {
	pay, err := s.Store.Payment(r.Context(), ds.CreditorID, ds.DebtorID, r.PathValue("id"))
	if err != nil {
		return err
	}
	if s.Checkout != nil && pay.Provider != nil && (pay.Status == "open" || pay.Status == "pending") {
		if err := s.Checkout.Sync(r.Context(), pay.ID); err != nil {
			// Show what we know; the webhook and the reconciler follow up.
			s.Log.WarnContext(r.Context(), "payment page: sync", "id", RequestID(r.Context()), "payment", pay.PublicID, "err", err)
		} else if pay, err = s.Store.Payment(r.Context(), ds.CreditorID, ds.DebtorID, pay.PublicID); err != nil {
			return err
		}
	}
	p, err := s.debtorPage(r.Context(), ds)
	if err != nil {
		return err
	}
	d, err := s.Store.Debtor(r.Context(), ds.CreditorID, ds.DebtorID)
	if err != nil {
		return err
	}
	vm := views.PaymentVM{PublicID: pay.PublicID, Status: pay.Status, AmountMinor: pay.AmountMinor, Currency: pay.Currency,
		Restorable:   pay.Status == "paid" && d.Restricted() && d.ServiceRestorableAt != nil,
		SentToDebtor: ds.AssistedBy != 0 && r.URL.Query().Get("sent") == "1"}
	if pay.Status == "open" || pay.Status == "pending" {
		p.refresh = 5
	}
	return s.render(w, r, http.StatusOK, p, views.PaymentPage(vm))
}
