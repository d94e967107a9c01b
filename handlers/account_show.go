package handlers

import (
	"net/http"

	"github.com/settle/settle/views"
)

// accountShow is the landing (the link alone: creditor, reference, what is
// due) and, after the step-up, the dashboard with every invoice and the
// plans that run or wait for a decision.
func (s *Server) accountShow(w http.ResponseWriter, r *http.Request, ds *debtorSession) error {
	acc, err := s.Portal.Account(r.Context(), ds.CreditorID, ds.DebtorID)
	if err != nil {
		return err
	}
	vm := views.AccountVM{
		CustomerNumber: acc.Debtor.CustomerNumber,
		Summary:        acc.Summary,
		SteppedUp:      ds.SteppedUp,
		Today:          acc.Today,
	}
	// Issue 9: a credit balance (e.g. an accepted credit request on a paid invoice).
	credit, err := s.Store.AccountCredit(r.Context(), ds.CreditorID, ds.DebtorID, acc.Summary.Currency)
	if err != nil {
		return err
	}
	vm.CreditMinor = credit
	if d := acc.Debtor; d.Restricted() {
		vm.Service = &views.ServiceVM{Status: d.ServiceStatus, Note: d.ServiceNote,
			RestoreMinor: d.RestoreAmount(acc.Summary), Currency: acc.Summary.Currency,
			Restorable: d.ServiceRestorableAt != nil}
	}
	if ds.SteppedUp {
		vm.DebtorName = acc.Debtor.Name
		vm.Invoices = acc.Invoices
		if vm.Plans, vm.InPlan, err = s.planNotices(r.Context(), ds.CreditorID, ds.DebtorID); err != nil {
			return err
		}
		p, err := s.Store.OpenPromise(r.Context(), ds.CreditorID, ds.DebtorID)
		if err != nil {
			return err
		}
		if p != nil {
			vm.Promise = promiseNotice(p)
		}
		if vm.Disputed, vm.HasDisputes, err = s.disputeBadges(r.Context(), ds.CreditorID, ds.DebtorID, acc.Invoices); err != nil {
			return err
		}
	}
	return s.render(w, r, http.StatusOK, page{creditor: acc.Creditor, debtorLang: ds.Lang, signedIn: true, assisted: ds.AssistedBy != 0},
		views.AccountPage(vm))
}
