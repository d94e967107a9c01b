package handlers

import (
	"net/http"

	"github.com/settle/settle/views"
)

// accountShow is the landing (the link alone: creditor, reference, what is
// due) and, after the step-up, the dashboard with every invoice and the
// plans that run or wait for a decision.
func (s *Server) accountShow(w http.ResponseWriter, r *http.Request, ds *debtorSession) error {
	ctx := r.Context()
	c, err := s.sessionCreditor(ctx, ds)
	if err != nil {
		return err
	}
	// The debtor, the plans' invoices, the credit balance and what else
	// the debtor has, then the invoices: two round trips; plans, promise
	// and disputes are loaded only for debtors who have them.
	acc, ov, err := s.Portal.Overview(ctx, c, ds.DebtorID)
	if err != nil {
		return err
	}
	vm := views.AccountVM{
		CustomerNumber: acc.Debtor.CustomerNumber,
		Summary:        acc.Summary,
		SteppedUp:      ds.SteppedUp,
		Today:          acc.Today,
		// Issue 9: a credit balance (e.g. an accepted credit request on a paid invoice).
		CreditMinor: ov.CreditMinor,
	}
	if d := acc.Debtor; d.Restricted() {
		vm.Service = &views.ServiceVM{Status: d.ServiceStatus, Note: d.ServiceNote,
			RestoreMinor: d.RestoreAmount(acc.Summary), Currency: acc.Summary.Currency,
			Restorable: d.ServiceRestorableAt != nil}
	}
	if ds.SteppedUp {
		vm.DebtorName = acc.Debtor.Name
		vm.Invoices = acc.Invoices
		if ov.HasPlans {
			if vm.Plans, vm.InPlan, err = s.planNotices(ctx, ds.CreditorID, ds.DebtorID); err != nil {
				return err
			}
		}
		if ov.HasOpenPromise {
			p, err := s.Store.OpenPromise(ctx, ds.CreditorID, ds.DebtorID)
			if err != nil {
				return err
			}
			if p != nil {
				vm.Promise = promiseNotice(p)
			}
		}
		if ov.HasDisputes {
			if vm.Disputed, vm.HasDisputes, err = s.disputeBadges(ctx, ds.CreditorID, ds.DebtorID, acc.Invoices); err != nil {
				return err
			}
		}
	}
	return s.render(w, r, http.StatusOK, page{creditor: acc.Creditor, debtorLang: ds.Lang, signedIn: true, assisted: ds.AssistedBy != 0},
		views.AccountPage(vm))
}
