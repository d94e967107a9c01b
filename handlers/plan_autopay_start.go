package handlers

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/settle/settle/internal/ar"
)

// planAutopayStart turns autopay on for one of the debtor's plans: with
// a valid mandate at once, else through a first payment of the next
// instalment at Mollie's checkout (303 there; the payment's return page
// then shows the outcome). Anything that stops it goes back to the plan
// page with ?autopay=<why>, which its autopay panel explains.
func (s *Server) planAutopayStart(w http.ResponseWriter, r *http.Request, ds *debtorSession) error {
	if err := parseForm(w, r); err != nil {
		return ar.Errorf(ar.Invalid, "error.form.unreadable")
	}
	ctx := r.Context()
	plan, err := s.Store.PlanByPublicID(ctx, ds.CreditorID, ds.DebtorID, r.PathValue("plan"))
	if err != nil {
		return err // another's plan, or none: 404
	}
	back := "/account/plans/" + url.PathEscape(plan.PublicID) + "?autopay="
	if s.Autopay == nil {
		return redirect(w, r, back+"unavailable")
	}
	p, err := s.debtorPage(ctx, ds)
	if err != nil {
		return err
	}
	d, err := s.Store.Debtor(ctx, ds.CreditorID, ds.DebtorID)
	if err != nil {
		return err
	}
	started, err := s.Autopay.SetUp(ctx, p.creditor, d, plan.PublicID, s.language(w, r, p))
	if e, ok := ar.AsError(err); ok && e.Code == ar.Conflict && strings.HasPrefix(e.Key, "error.autopay.") {
		return redirect(w, r, back+strings.TrimPrefix(e.Key, "error.autopay."))
	} else if err != nil {
		return err
	}
	if started.Enabled {
		return redirect(w, r, back+"on")
	}
	s.Log.InfoContext(ctx, "autopay first payment started", "id", RequestID(ctx), "payment", started.Payment.PublicID,
		"plan", plan.PublicID)
	if ds.AssistedBy != 0 {
		// Assist mode: the debtor authorises the direct debit on their own
		// device; the agent waits on the payment's page.
		if err := s.office.SendPaymentLink(ctx, ds.AssistedBy, p.creditor, d, started.Payment.PublicID,
			started.CheckoutURL, started.Payment.AmountMinor); err != nil {
			return err
		}
		return redirect(w, r, "/account/payments/"+started.Payment.PublicID+"?sent=1")
	}
	return redirect(w, r, started.CheckoutURL)
}
