package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/views"
)

// staffPlanReject turns a plan request down with a reason the debtor
// sees; without a reason the page comes back with what was typed.
func (s *Server) staffPlanReject(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
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
	reason := r.PostFormValue("reason")
	if err := s.Plans.Reject(r.Context(), sc.creditor, sc.sess.User.ID, id, reason); err != nil {
		return s.planActionFailed(w, r, sc, id, err, func(vm *views.StaffPlanVM, fields map[string]string) {
			vm.RejectReason, vm.RejectError = reason, fields["reason"]
		})
	}
	return redirect(w, r, planPath(id, "?done=rejected"))
}
