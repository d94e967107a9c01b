package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/settle/settle/internal/reminders"
	"github.com/settle/settle/views"
)

// reminders (issue 9): the debtor view's reminders section.

// staffReminderNotices are the debtor view's notices after a change
// here (?done=).
var staffReminderNotices = map[string]string{
	"paused":           "staff.reminders.notice.paused",
	"resumed":          "staff.reminders.notice.resumed",
	"hardship_set":     "staff.reminders.notice.hardship_set",
	"hardship_cleared": "staff.reminders.notice.hardship_cleared",
	"unchanged":        "staff.reminders.notice.unchanged",
}

// staffBy is the signed-in staff member as the reminders service records
// them.
func (sc *staffCtx) staffBy() reminders.Staff {
	return reminders.Staff{StaffID: sc.sess.User.ID, CreditorID: sc.creditorID()}
}

// debtorReminders fills the debtor view's reminders section (keeping
// any form state in vm.Reminders): the debtor's preferences, staff's
// pause and the hardship flag.
func (s *Server) debtorReminders(ctx context.Context, r *http.Request, sc *staffCtx, debtorID int64, vm *views.StaffDebtorVM) error {
	d, err := s.Store.DebtorReminders(ctx, sc.creditorID(), debtorID)
	if err != nil {
		return err
	}
	rs, err := s.Store.ReminderSettings(ctx, sc.creditorID())
	if err != nil {
		return err
	}
	today := sc.creditor.Today(s.Now())
	rv := &vm.Reminders
	rv.Channel, rv.Language, rv.DayChoice, rv.Hardship = d.Channel, d.Language, rs.DayChoice, d.Hardship
	if d.Day != nil {
		rv.Day = *d.Day
	}
	if d.Until != nil {
		until := *d.Until
		rv.PausedTill, rv.PauseNote, rv.Paused = &until, d.Note, d.PausedOn(today)
		if d.ByEmail != nil {
			rv.PausedBy = *d.ByEmail
		}
	}
	rv.MinDate = today.Format(time.DateOnly)
	rv.MaxDate = today.AddDate(0, 0, reminders.MaxPauseDays).Format(time.DateOnly)
	if n := staffReminderNotices[r.URL.Query().Get("done")]; n != "" && vm.Notice == "" {
		vm.Notice = n
	}
	return nil
}
