package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/ar"
)

// staffPlanApprove approves a plan request as the debtor asked: the plan
// becomes active, the queue task is done, the debtor is told (the plans
// service records, audits and notifies).
func (s *Server) staffPlanApprove(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
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
	if err := s.Plans.Approve(r.Context(), sc.creditor, sc.sess.User.ID, id); err != nil {
		return s.planActionFailed(w, r, sc, id, err, nil)
	}
	return redirect(w, r, planPath(id, "?done=approved"))
}
