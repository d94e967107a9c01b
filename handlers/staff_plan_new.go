package handlers

import (
	"context"
	"net/http"

	"github.com/settle/settle/views"
)

// staffPlanNew is the form for a plan staff make with a debtor on the
// phone: every open invoice no plan holds is chosen at first.
func (s *Server) staffPlanNew(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	id, err := debtorParam(r)
	if err != nil {
		return err
	}
	vm, err := s.newPlanVM(r.Context(), sc, id, nil)
	if err != nil {
		return err
	}
	vm.Form.Kind = "instalments"
	return s.renderStaff(w, r, http.StatusOK, sc, views.StaffPlanNewPage(vm))
}

// newPlanVM loads the debtor and the invoices a new plan may cover;
// chosen are the invoice numbers ticked (nil: all).
func (s *Server) newPlanVM(ctx context.Context, sc *staffCtx, debtorID int64, chosen []string) (views.StaffPlanNewVM, error) {
	if err := s.plansOn(); err != nil {
		return views.StaffPlanNewVM{}, err
	}
	d, err := s.Store.Debtor(ctx, sc.creditorID(), debtorID)
	if err != nil {
		return views.StaffPlanNewVM{}, err
	}
	vm := views.StaffPlanNewVM{DebtorID: d.ID, DebtorName: d.Name, CustomerNumber: d.CustomerNumber}
	invs, err := s.Store.Invoices(ctx, sc.creditorID(), d.ID)
	if err != nil {
		return vm, err
	}
	held, err := s.Store.HeldInvoiceIDs(ctx, sc.creditorID(), d.ID)
	if err != nil {
		return vm, err
	}
	pick := map[string]bool{}
	for _, n := range chosen {
		pick[n] = true
	}
	for _, inv := range invs {
		if inv.OpenMinor <= 0 || held[inv.ID] || inv.Currency != sc.creditor.Currency {
			continue
		}
		vm.Invoices = append(vm.Invoices, views.PlanInvoiceChoice{Number: inv.Number, DueDate: inv.DueDate,
			OpenMinor: inv.OpenMinor, Currency: inv.Currency, Checked: chosen == nil || pick[inv.Number]})
	}
	return vm, nil
}
