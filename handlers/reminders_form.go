package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/i18n"
	"github.com/settle/settle/internal/reminders"
	"github.com/settle/settle/internal/store"
	"github.com/settle/settle/views"
)

// reminders is the reminder preferences and pauses service (issue 9).
func (s *Server) reminders() *reminders.Service {
	return &reminders.Service{Store: s.Store, Now: s.Now}
}

// remindersContext is what the reminder preferences page is built from.
type remindersContext struct {
	settings store.ReminderSettings
	debtor   *store.DebtorReminders
	page     page
}

func (s *Server) remindersContext(r *http.Request, ds *debtorSession) (*remindersContext, error) {
	p, err := s.debtorPage(r.Context(), ds)
	if err != nil {
		return nil, err
	}
	rc := &remindersContext{page: p}
	if rc.settings, err = s.Store.ReminderSettings(r.Context(), ds.CreditorID); err != nil {
		return nil, err
	}
	if rc.debtor, err = s.Store.DebtorReminders(r.Context(), ds.CreditorID, ds.DebtorID); err != nil {
		return nil, err
	}
	return rc, nil
}

// readRemindersForm reads the form as typed.
func readRemindersForm(v url.Values) reminders.Ask {
	return reminders.Ask{Channel: strings.TrimSpace(v.Get("channel")), Language: strings.TrimSpace(v.Get("language")),
		Day: strings.TrimSpace(v.Get("day"))}
}

// storedAsk is the form as first shown: what is stored (an unknown
// language as the page's).
func (rc *remindersContext) storedAsk(lang string) reminders.Ask {
	a := reminders.Ask{Channel: rc.debtor.Channel, Language: rc.debtor.Language}
	if !i18n.Supported(a.Language) {
		a.Language = lang
	}
	if rc.debtor.Day != nil {
		a.Day = strconv.Itoa(*rc.debtor.Day)
	}
	return a
}

// vm is the page with a's values.
func (rc *remindersContext) vm(a reminders.Ask) views.RemindersVM {
	vm := views.RemindersVM{Channel: a.Channel, Language: a.Language, Day: a.Day, Languages: i18n.Languages,
		DayChoice: rc.settings.DayChoice}
	for _, c := range reminders.Channels {
		vm.Channels = append(vm.Channels, views.ReminderChannelOpt{Value: c, Why: reminders.Unavailable(rc.settings, rc.debtor, c)})
	}
	return vm
}

// remindersErrors puts field errors beside their fields (422); anything
// else is returned.
func remindersErrors(loc *i18n.Locale, vm *views.RemindersVM, err error) (int, error) {
	var list ar.Invalids
	if !errors.As(err, &list) {
		return 0, err
	}
	vm.Errors = map[string]views.FieldErr{}
	for _, e := range list {
		if _, dup := vm.Errors[e.Field]; !dup {
			vm.Errors[e.Field] = views.FieldErr{Key: e.Key, Args: localArgs(loc, e.Args)}
		}
	}
	return http.StatusUnprocessableEntity, nil
}

// reminderArgs are a reminder_prefs.changed entry's data for its text:
// Changes, what changed (old → new) in the reader's language.
func reminderArgs(loc *i18n.Locale, in ar.Interaction) []any {
	if in.Kind != reminders.KindPrefsChanged {
		return nil
	}
	str := func(k string) string { v, _ := in.Data[k].(string); return v }
	var parts []string
	if _, ok := in.Data["channel_to"]; ok {
		parts = append(parts, loc.T("page.reminders.change.channel", "From", channelName(loc, str("channel_from")),
			"To", channelName(loc, str("channel_to"))))
	}
	if _, ok := in.Data["language_to"]; ok {
		parts = append(parts, loc.T("page.reminders.change.language", "From", languageName(loc, str("language_from")),
			"To", languageName(loc, str("language_to"))))
	}
	if _, ok := in.Data["day_to"]; ok {
		day := func(k string) string {
			n, _ := in.Data[k].(float64)
			return dayName(loc, int(n))
		}
		parts = append(parts, loc.T("page.reminders.change.day", "From", day("day_from"), "To", day("day_to")))
	}
	return []any{"Changes", strings.Join(parts, "; ")}
}

func channelName(loc *i18n.Locale, c string) string {
	if c == "" {
		return loc.T("page.reminders.none")
	}
	return loc.T("page.reminders.channel_name." + c)
}

func languageName(loc *i18n.Locale, l string) string {
	if !i18n.Supported(l) {
		return loc.T("page.reminders.none")
	}
	return loc.T("lang." + l)
}

// dayName is a preferred day as the pages say it (0: no preference).
func dayName(loc *i18n.Locale, n int) string {
	if n == 0 {
		return loc.T("form.reminders.day_none")
	}
	return loc.T("form.reminders.day_option", "Day", n)
}
