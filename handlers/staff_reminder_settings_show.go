package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/reminders"
	"github.com/settle/settle/internal/store"
	"github.com/settle/settle/views"
)

// staffReminderSettingsShow is what the creditor lets debtors choose
// about their reminders (issue 9): the channels and whether they may
// name a day of the month.
func (s *Server) staffReminderSettingsShow(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	rs, err := s.Store.ReminderSettings(r.Context(), sc.creditorID())
	if err != nil {
		return err
	}
	vm := reminderSettingsVM(rs)
	switch r.URL.Query().Get("notice") {
	case "saved":
		vm.Notice = "staff.reminders.settings.saved"
	case "unchanged":
		vm.Notice = "staff.reminders.settings.unchanged"
	}
	return s.renderStaff(w, r, http.StatusOK, sc, views.StaffReminderSettingsPage(vm))
}

// reminderSettingsVM shows settings in the form.
func reminderSettingsVM(rs store.ReminderSettings) views.StaffReminderSettingsVM {
	vm := views.StaffReminderSettingsVM{All: reminders.Channels, Channels: map[string]bool{}, DayChoice: rs.DayChoice}
	for _, c := range rs.Channels {
		vm.Channels[c] = true
	}
	return vm
}
