package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/reminders"
	"github.com/settle/settle/views"
)

// remindersSave stores the debtor's reminder preferences (303 to the
// page with the confirmation). Refused input comes back with translated
// field errors (422) and everything as chosen.
func (s *Server) remindersSave(w http.ResponseWriter, r *http.Request, ds *debtorSession) error {
	if err := parseForm(w, r); err != nil {
		return ar.Errorf(ar.Invalid, "error.form.unreadable")
	}
	a := readRemindersForm(r.PostForm)
	actor, staffID := ds.actor()
	changed, err := s.reminders().SavePrefs(r.Context(), ds.CreditorID, ds.DebtorID, a, reminders.By{Actor: actor, StaffID: staffID})
	if err == nil {
		if !changed {
			return redirect(w, r, "/account/reminders?saved=0")
		}
		s.Log.InfoContext(r.Context(), "reminder preferences changed", "id", RequestID(r.Context()), "debtor", ds.DebtorID)
		if ds.Lang != a.Language { // the pages follow the debtor's language too
			ds.Lang = a.Language
			if err := s.saveSession(w, r, ds); err != nil {
				return err
			}
		}
		return redirect(w, r, "/account/reminders?saved=1")
	}
	rc, lerr := s.remindersContext(r, ds)
	if lerr != nil {
		return lerr
	}
	vm := rc.vm(a)
	status, err := remindersErrors(s.Catalog.Locale(s.language(w, r, rc.page)), &vm, err)
	if err != nil {
		return err
	}
	return s.render(w, r, status, rc.page, views.RemindersPage(vm))
}
