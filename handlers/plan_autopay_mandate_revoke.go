package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/views"
)

// mandateRevoke revokes the debtor's mandate: nothing is debited from
// then on, autopay is off for every plan, and Mollie is told. 303 back
// to the mandate page, which confirms it.
func (s *Server) mandateRevoke(w http.ResponseWriter, r *http.Request, ds *debtorSession) error {
	if err := parseForm(w, r); err != nil {
		return ar.Errorf(ar.Invalid, "error.form.unreadable")
	}
	ctx := r.Context()
	var err error = ar.Errorf(ar.Conflict, "error.autopay.no_mandate")
	if s.Autopay != nil {
		var p page
		if p, err = s.debtorPage(ctx, ds); err != nil {
			return err
		}
		d, derr := s.Store.Debtor(ctx, ds.CreditorID, ds.DebtorID)
		if derr != nil {
			return derr
		}
		err = s.Autopay.Revoke(ctx, p.creditor, d)
	}
	if err == nil {
		s.Log.InfoContext(ctx, "mandate revoked by the debtor", "id", RequestID(ctx), "debtor", ds.DebtorID)
		return redirect(w, r, "/account/mandate?revoked=1")
	}
	e, ok := ar.AsError(err)
	if !ok {
		return err
	}
	vm, verr := s.mandateVM(r, ds)
	if verr != nil {
		return verr
	}
	vm.ErrorKey = e.Key
	p, perr := s.debtorPage(ctx, ds)
	if perr != nil {
		return perr
	}
	return s.render(w, r, statusOf(e.Code), p, views.MandatePage(vm))
}
