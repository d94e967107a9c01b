package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/store"
	"github.com/settle/settle/views"
)

// staffReminderSettingsSave stores what the creditor lets debtors choose
// about their reminders, audited (reminders.settings_updated); no
// channel at all comes back with the error and the choice kept (422).
func (s *Server) staffReminderSettingsSave(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	if err := parseForm(w, r); err != nil {
		return ar.Errorf(ar.Invalid, "error.form")
	}
	rs := store.ReminderSettings{Channels: r.PostForm["channels"], DayChoice: r.PostFormValue("day_choice") == "yes"}
	changed, err := s.reminders().SaveSettings(r.Context(), sc.staffBy(), rs)
	if err == nil {
		if !changed {
			return redirect(w, r, "/staff/settings/reminders?notice=unchanged")
		}
		return redirect(w, r, "/staff/settings/reminders?notice=saved")
	}
	errs, ok := formErrors(err)
	if !ok {
		return err
	}
	vm := reminderSettingsVM(rs)
	vm.Errors = errs
	return s.renderStaff(w, r, http.StatusUnprocessableEntity, sc, views.StaffReminderSettingsPage(vm))
}
