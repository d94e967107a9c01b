package store

import (
	"context"
	"time"

	"github.com/lib/pq"
)

// Reminder preferences and pauses (issue 9), the data the dunning engine
// reads before it reminds a debtor:
//
//   - debtors.preferred_channel (email, sms, letter) and debtors.language
//     ("" unknown: the creditor's default language): how the debtor wants
//     to be reminded, chosen in the portal (/account/reminders) within
//     what the creditor allows;
//   - debtors.reminder_day (1–28, NULL: no preference): the day of the
//     month the debtor prefers for reminders and payment ("around the
//     15th"); only meaningful while creditors.reminder_day_choice is true
//     (ReminderPrefs.Day is nil otherwise);
//   - creditors.reminder_channels (a non-empty subset of email, sms,
//     letter) and creditors.reminder_day_choice: what debtors may choose;
//   - debtors.dunning_paused_until (a civil date in the creditor's zone,
//     inclusive), dunning_pause_note, dunning_paused_by (staff_users.id):
//     staff's "pause reminders until"; and debtors.hardship (the engine
//     pauses for hardship too). DunningPause reads both.

// ReminderSettings is what a creditor lets debtors choose.
type ReminderSettings struct {
	Channels  pq.StringArray `db:"reminder_channels"`   // email, sms, letter: at least one
	DayChoice bool           `db:"reminder_day_choice"` // debtors may name a day of the month
}

// Allows reports whether debtors may choose channel.
func (rs ReminderSettings) Allows(channel string) bool {
	for _, c := range rs.Channels {
		if c == channel {
			return true
		}
	}
	return false
}

// ReminderSettings returns the creditor's reminder settings.
func (s *Store) ReminderSettings(ctx context.Context, creditorID int64) (rs ReminderSettings, err error) {
	defer wrap(&err, "ReminderSettings(%d)", creditorID)
	err = s.q.GetContext(ctx, &rs, `SELECT reminder_channels, reminder_day_choice FROM creditors WHERE id = $1`, creditorID)
	return rs, err
}

// LockReminderSettings returns the creditor's reminder settings and locks
// them until the transaction ends.
func (s *Store) LockReminderSettings(ctx context.Context, creditorID int64) (rs ReminderSettings, err error) {
	defer wrap(&err, "LockReminderSettings(%d)", creditorID)
	err = s.q.GetContext(ctx, &rs, `SELECT reminder_channels, reminder_day_choice FROM creditors WHERE id = $1 FOR UPDATE`,
		creditorID)
	return rs, err
}

// SetReminderSettings stores the creditor's reminder settings.
func (s *Store) SetReminderSettings(ctx context.Context, creditorID int64, rs ReminderSettings) (err error) {
	defer wrap(&err, "SetReminderSettings(%d)", creditorID)
	_, err = s.q.ExecContext(ctx, `UPDATE creditors SET reminder_channels = $2, reminder_day_choice = $3 WHERE id = $1`,
		creditorID, pq.Array([]string(rs.Channels)), rs.DayChoice)
	return err
}

// ReminderPrefs is how a debtor wants to be reminded.
type ReminderPrefs struct {
	Channel  string `db:"preferred_channel"` // email, sms, letter
	Language string `db:"language"`          // "" unknown
	Day      *int   `db:"reminder_day"`      // 1–28, nil: no preference
}

// DebtorReminders is a debtor's reminder preferences and pause, with
// what the preferences page needs to know (the addresses on file).
type DebtorReminders struct {
	ID             int64  `db:"id"`
	CustomerNumber string `db:"customer_number"`
	Email          string `db:"email"`
	Phone          string `db:"phone"`
	Street         string `db:"street"`
	Postcode       string `db:"postcode"`
	City           string `db:"city"`
	ReminderPrefs
	DunningPause
}

// HasPostalAddress reports whether a letter can reach the debtor.
func (d *DebtorReminders) HasPostalAddress() bool {
	return d.Street != "" && d.Postcode != "" && d.City != ""
}

const debtorRemindersColumns = `d.id, d.customer_number, d.email, d.phone, d.street, d.postcode, d.city,
	d.preferred_channel, d.language, d.reminder_day, d.hardship, d.dunning_paused_until, d.dunning_pause_note,
	d.dunning_paused_by, su.email AS paused_by_email`

// DebtorReminders returns a debtor's reminder preferences and pause.
func (s *Store) DebtorReminders(ctx context.Context, creditorID, debtorID int64) (d *DebtorReminders, err error) {
	defer wrap(&err, "DebtorReminders(%d, %d)", creditorID, debtorID)
	d = new(DebtorReminders)
	err = s.q.GetContext(ctx, d, `SELECT `+debtorRemindersColumns+` FROM debtors d
		LEFT JOIN staff_users su ON su.id = d.dunning_paused_by
		WHERE d.creditor_id = $1 AND d.id = $2`, creditorID, debtorID)
	return d, err
}

// LockDebtorReminders is DebtorReminders with the debtor's row locked
// until the transaction ends.
func (s *Store) LockDebtorReminders(ctx context.Context, creditorID, debtorID int64) (d *DebtorReminders, err error) {
	defer wrap(&err, "LockDebtorReminders(%d, %d)", creditorID, debtorID)
	d = new(DebtorReminders)
	err = s.q.GetContext(ctx, d, `SELECT `+debtorRemindersColumns+` FROM debtors d
		LEFT JOIN staff_users su ON su.id = d.dunning_paused_by
		WHERE d.creditor_id = $1 AND d.id = $2 FOR UPDATE OF d`, creditorID, debtorID)
	return d, err
}

// SetReminderPrefs stores how the debtor wants to be reminded.
func (s *Store) SetReminderPrefs(ctx context.Context, creditorID, debtorID int64, p ReminderPrefs) (err error) {
	defer wrap(&err, "SetReminderPrefs(%d, %d)", creditorID, debtorID)
	_, err = s.q.ExecContext(ctx, `UPDATE debtors SET preferred_channel = $3, language = $4, reminder_day = $5,
		updated_at = now() WHERE creditor_id = $1 AND id = $2`, creditorID, debtorID, p.Channel, p.Language, p.Day)
	return err
}

// DunningPause is what holds a debtor's reminders: staff's pause until a
// date, and the hardship flag.
type DunningPause struct {
	Until    *time.Time `db:"dunning_paused_until"` // civil date, inclusive; nil: no pause set
	Note     string     `db:"dunning_pause_note"`   // why ("" without a pause)
	ByID     *int64     `db:"dunning_paused_by"`    // the staff member who set it
	ByEmail  *string    `db:"paused_by_email"`
	Hardship bool       `db:"hardship"`
}

// PausedOn reports whether staff's pause holds reminders on the civil
// date today (in the creditor's time zone): up to and including Until.
func (p DunningPause) PausedOn(today time.Time) bool {
	return p.Until != nil && !today.After(*p.Until)
}

// Holds reports whether reminders wait on the civil date today: a pause
// that runs, or hardship.
func (p DunningPause) Holds(today time.Time) bool { return p.Hardship || p.PausedOn(today) }

// DunningPause returns what holds a debtor's reminders (for the dunning
// engine: no reminder while DunningPause(...).Holds(creditor's today)).
func (s *Store) DunningPause(ctx context.Context, creditorID, debtorID int64) (p DunningPause, err error) {
	defer wrap(&err, "DunningPause(%d, %d)", creditorID, debtorID)
	err = s.q.GetContext(ctx, &p, `SELECT d.hardship, d.dunning_paused_until, d.dunning_pause_note, d.dunning_paused_by,
		su.email AS paused_by_email FROM debtors d LEFT JOIN staff_users su ON su.id = d.dunning_paused_by
		WHERE d.creditor_id = $1 AND d.id = $2`, creditorID, debtorID)
	return p, err
}

// SetDunningPause pauses a debtor's reminders up to and including until
// (a civil date), or with until nil ends the pause.
func (s *Store) SetDunningPause(ctx context.Context, creditorID, debtorID int64, until *time.Time, note string, by *int64) (err error) {
	defer wrap(&err, "SetDunningPause(%d, %d)", creditorID, debtorID)
	var day *string
	if until != nil {
		d := until.Format(time.DateOnly)
		day = &d
	} else {
		note, by = "", nil
	}
	_, err = s.q.ExecContext(ctx, `UPDATE debtors SET dunning_paused_until = $3, dunning_pause_note = $4,
		dunning_paused_by = $5, updated_at = now() WHERE creditor_id = $1 AND id = $2`, creditorID, debtorID, day, note, by)
	return err
}

// SetHardship sets or clears the debtor's hardship flag.
func (s *Store) SetHardship(ctx context.Context, creditorID, debtorID int64, on bool) (err error) {
	defer wrap(&err, "SetHardship(%d, %d)", creditorID, debtorID)
	_, err = s.q.ExecContext(ctx, `UPDATE debtors SET hardship = $3, updated_at = now() WHERE creditor_id = $1 AND id = $2`,
		creditorID, debtorID, on)
	return err
}
