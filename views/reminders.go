package views

import "time"

// RemindersVM is the debtor's reminder preferences page (issue 9): how
// they want to be reminded (channel, language, a day of the month),
// within what the creditor allows, with what was typed kept when
// something must be corrected.
type RemindersVM struct {
	Channels  []ReminderChannelOpt
	Channel   string // chosen (as sent)
	Language  string
	Languages []string
	DayChoice bool   // the creditor lets debtors name a day
	Day       string // "" or "none": no preference, else 1–28
	Errors    map[string]FieldErr
	Saved     bool // after saving: the confirmation
	Unchanged bool // saved without a change
}

// ReminderChannelOpt is one channel on offer, or why it is not.
type ReminderChannelOpt struct {
	Value string // email, sms, letter
	Why   string // "" when it can be chosen, else not_offered, no_email, no_phone, no_address
}

// Err is the field's error, or nil.
func (vm RemindersVM) Err(field string) *FieldErr {
	if e, ok := vm.Errors[field]; ok {
		return &e
	}
	return nil
}

// StaffRemindersVM is the debtor view's reminders section (issue 9): the
// debtor's preferences (read-only), staff's pause, the hardship flag,
// and the forms to change the last two, with what was typed and errors
// (field → translation key) after a refusal.
type StaffRemindersVM struct {
	Channel    string
	Language   string // "" unknown
	Day        int    // 0: no preference
	DayChoice  bool   // the creditor lets debtors name a day
	PausedTill *time.Time
	PauseNote  string
	PausedBy   string // the staff member's email
	Paused     bool   // the pause holds today
	Hardship   bool
	MaxDate    string // the latest date a pause may run to (YYYY-MM-DD)
	MinDate    string // today
	Until      string // the pause form as typed
	Note       string
	HardNote   string // the hardship form's note as typed
	Errors     map[string]string
}

// StaffReminderSettingsVM is the settings page for reminders: which
// channels debtors may choose and whether they may name a day, as saved
// or as sent (after an error).
type StaffReminderSettingsVM struct {
	All       []string // every channel, in order
	Channels  map[string]bool
	DayChoice bool
	Errors    map[string]string
	Notice    string // a translation key: what just happened
}
