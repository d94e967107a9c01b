package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/views"
)

// staffHardshipSet sets (hardship=on) or clears (hardship=off) the
// debtor's hardship flag with a note (303 to the debtor view); without a
// note the debtor view comes back with the error (422).
func (s *Server) staffHardshipSet(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	id, err := debtorParam(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return ar.Errorf(ar.Invalid, "error.form")
	}
	on := r.PostFormValue("hardship") == "on"
	note := r.PostFormValue("hardship_note")
	changed, err := s.reminders().SetHardship(r.Context(), sc.staffBy(), id, on, note)
	if err == nil {
		switch {
		case !changed:
			return redirect(w, r, debtorURL(id, "?done=unchanged"))
		case on:
			return redirect(w, r, debtorURL(id, "?done=hardship_set"))
		}
		return redirect(w, r, debtorURL(id, "?done=hardship_cleared"))
	}
	errs, ok := formErrors(err)
	if !ok {
		return err
	}
	return s.renderDebtor(w, r, sc, http.StatusUnprocessableEntity,
		views.StaffDebtorVM{Reminders: views.StaffRemindersVM{HardNote: note, Errors: errs}})
}
