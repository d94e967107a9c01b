package handlers

import (
	"net/http"
	"strings"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/views"
)

// staffDunningPause pauses the debtor's reminders until a date, with a
// note (303 to the debtor view); refused input comes back on the debtor
// view with the field errors and everything typed (422).
func (s *Server) staffDunningPause(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	id, err := debtorParam(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return ar.Errorf(ar.Invalid, "error.form")
	}
	until, note := strings.TrimSpace(r.PostFormValue("until")), r.PostFormValue("note")
	err = s.reminders().Pause(r.Context(), sc.staffBy(), sc.creditor, id, until, note)
	if err == nil {
		return redirect(w, r, debtorURL(id, "?done=paused"))
	}
	errs, ok := formErrors(err)
	if !ok {
		return err
	}
	return s.renderDebtor(w, r, sc, http.StatusUnprocessableEntity,
		views.StaffDebtorVM{Reminders: views.StaffRemindersVM{Until: until, Note: note, Errors: errs}})
}
