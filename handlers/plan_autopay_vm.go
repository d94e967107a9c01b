package handlers

import (
	"net/http"
	"slices"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/store"
	"github.com/settle/settle/views"
)

// autopayNotices are the outcomes planAutopayStart reports to the plan
// page (?autopay=…); anything else is ignored.
var autopayNotices = []string{"on", "started", "not_active", "nothing_open", "unavailable", "provider", "busy"}

// autopayVM builds the autopay panel of a plan's page. The plan page
// (GET /account/plans/{plan}) renders it with @views.AutopayPanel(vm):
//
//	vm, err := s.autopayVM(r, ds, &plan)
//
// plan must be the session's debtor's (as the page loaded it).
func (s *Server) autopayVM(r *http.Request, ds *debtorSession, plan *store.Plan) (views.AutopayVM, error) {
	vm := views.AutopayVM{PlanID: plan.PublicID, Currency: plan.Currency}
	if n := r.URL.Query().Get("autopay"); slices.Contains(autopayNotices, n) {
		vm.Notice = n
	}
	if s.Autopay == nil || plan.Kind != ar.PlanInstalments || plan.Status != ar.PlanActive {
		return vm, nil
	}
	ctx := r.Context()
	m, err := s.Store.LiveMandate(ctx, ds.CreditorID, ds.DebtorID, false)
	if err != nil && !ar.IsNotFound(err) {
		return vm, err
	}
	if err == nil && m.Status == "valid" {
		vm.MandateValid, vm.Account = true, m.Details
	}
	if plan.Autopay {
		vm.State = "on"
		return vm, nil
	}
	ins, err := s.Store.PlanInstalments(ctx, plan.ID)
	if err != nil {
		return vm, err
	}
	for _, in := range ins {
		if in.Open() > 0 {
			vm.State, vm.NextSeq, vm.NextAmountMinor = "off", in.Seq, in.Open()
			break
		}
	}
	return vm, nil
}
