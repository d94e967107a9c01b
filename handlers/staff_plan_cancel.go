package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/views"
)

// staffPlanCancel ends an active plan (or withdraws an offer) once staff
// confirm it; the invoices go back to normal. A request is decided
// instead (approve, reject, counter-offer), so the debtor hears why.
func (s *Server) staffPlanCancel(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	id, err := planParam(r)
	if err != nil {
		return err
	}
	if err := s.plansOn(); err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return ar.Errorf(ar.Invalid, "error.form")
	}
	p, err := s.Store.Plan(r.Context(), sc.creditorID(), 0, id, false)
	if err != nil {
		return err
	}
	switch {
	case p.Status == ar.PlanRequested:
		err = ar.Errorf(ar.Conflict, "error.staff.plans.cancel_request")
	case r.PostFormValue("confirm") != "yes":
		err = ar.Invalids{ar.FieldError("confirm", "error.staff.plans.cancel_confirm", nil)}
	default:
		staffID := sc.sess.User.ID
		err = s.Plans.Cancel(r.Context(), sc.creditor, 0, &staffID, id)
	}
	if err != nil {
		return s.planActionFailed(w, r, sc, id, err, func(vm *views.StaffPlanVM, fields map[string]string) {
			vm.CancelError = fields["confirm"]
		})
	}
	return redirect(w, r, planPath(id, "?done=cancelled"))
}
