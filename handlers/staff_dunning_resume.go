package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/ar"
)

// staffDunningResume ends staff's pause of the debtor's reminders at
// once (303 to the debtor view).
func (s *Server) staffDunningResume(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	id, err := debtorParam(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return ar.Errorf(ar.Invalid, "error.form")
	}
	resumed, err := s.reminders().Resume(r.Context(), sc.staffBy(), id)
	if err != nil {
		return err
	}
	if !resumed {
		return redirect(w, r, debtorURL(id, "?done=unchanged"))
	}
	return redirect(w, r, debtorURL(id, "?done=resumed"))
}
