package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/plans"
	"github.com/settle/settle/internal/store"
	"github.com/settle/settle/views"
)

// planCreate makes the plan the debtor confirmed: active at once inside
// the creditor's band, else a request for staff. It sends the debtor to
// the plan's page (303); refused input (an invoice taken meanwhile, the
// policy changed) comes back to the form with everything as typed.
func (s *Server) planCreate(w http.ResponseWriter, r *http.Request, ds *debtorSession) error {
	if err := parseForm(w, r); err != nil {
		return ar.Errorf(ar.Invalid, "error.form.unreadable")
	}
	if s.Plans == nil {
		return redirect(w, r, "/account/help#time")
	}
	pc, err := s.planContext(w, r, ds)
	if err != nil {
		return err
	}
	f := readPlanForm(r.PostForm)
	ask, bad := f.ask(pc.policy)
	err = bad.Err()
	if err == nil {
		var p *store.Plan
		if p, err = s.Plans.Request(r.Context(), pc.acc.Creditor, ds.DebtorID, f.Numbers, ask, f.Reason, plans.By{}); err == nil {
			s.Log.InfoContext(r.Context(), "plan made", "id", RequestID(r.Context()), "plan", p.PublicID, "status", p.Status)
			done := "requested"
			if p.Status == ar.PlanActive {
				done = "approved"
			}
			return planRedirect(w, r, p.PublicID, done)
		}
	}
	vm := pc.moreTimeVM(f)
	status, err := pc.planError(&vm, f, err)
	if err != nil {
		return err
	}
	return s.render(w, r, status, pc.page, views.MoreTimePage(vm))
}
