package handlers

import "net/http"

// staffExperimentsList is the experiments report (admins): the running
// experiments of the creditor's policies and the ended ones, each with
// its outcomes per variant and a verdict, the end form of the running
// ones, and the propensity model.
func (s *Server) staffExperimentsList(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	notice := ""
	switch r.URL.Query().Get("done") {
	case "started":
		notice = "staff.experiments.notice.started"
	case "ended":
		notice = "staff.experiments.notice.ended"
	}
	return s.renderExperiments(w, r, sc, http.StatusOK, notice, nil)
}
