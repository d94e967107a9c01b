package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/dunning"
)

// staffExperimentEnd ends a running experiment with the chosen winner:
// the winner's tone, channel and timing go into the stage, the policy is
// saved as a new version, the end recorded and audited
// (experiment.ended), all in one transaction. An experiment not running
// in this creditor's policies is 404; no or an unknown winner comes back
// on the page (422).
func (s *Server) staffExperimentEnd(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	id := r.PathValue("experiment")
	if err := parseForm(w, r); err != nil {
		return ar.Errorf(ar.Invalid, "error.form")
	}
	err := dunning.EndExperiment(r.Context(), s.Store, sc.creditor, sc.sess.User.ID, id, r.PostFormValue("winner"), s.Now())
	if err == nil {
		return redirect(w, r, "/staff/dunning/experiments?done=ended")
	}
	loc := s.staffLocale(w, r, sc)
	errs, ok := experimentFormErrors(loc, sc.creditor.Currency, err)
	if !ok {
		return err
	}
	if msg, ok := errs["form"]; ok && errs["winner"] == "" {
		errs["winner"] = msg // a winner that does not keep the policy valid
	}
	return s.renderExperiments(w, r, sc, http.StatusUnprocessableEntity, "", map[string]map[string]string{id: errs})
}
