// Package reminders is what the dunning engine reads before it reminds a
// debtor (issue 9): the debtor's reminder preferences (channel, language,
// a preferred day of the month), chosen in the portal within what the
// creditor allows, the creditor's settings for that choice, staff's
// "pause reminders until" and the hardship flag.
//
// The data lives on debtors and creditors (see internal/store/reminders.go
// for the columns); the engine reads it with store.DebtorReminders and
// store.DunningPause. Every change here runs in one transaction with its
// timeline entry, and the audit log (staff) or the creditor's event
// debtor.preferences_changed (the debtor's preferences).
package reminders

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/i18n"
	"github.com/settle/settle/internal/store"
)

// Channels are the reminder channels, in the order pages offer them.
var Channels = []string{"email", "sms", "letter"}

// Limits.
const (
	MaxDay       = 28 // a preferred day exists in every month
	MaxPauseDays = 90 // staff pause reminders at most this many days ahead
	MaxNote      = 1000
)

// Timeline kinds and the creditor's event.
const (
	KindPrefsChanged    = "reminder_prefs.changed" // customer-visible
	KindPaused          = "dunning.paused"         // internal
	KindResumed         = "dunning.resumed"        // internal
	KindHardshipSet     = "hardship.set"           // internal
	KindHardshipCleared = "hardship.cleared"       // internal
	EventPrefsChanged   = "debtor.preferences_changed"
)

// Service changes reminder preferences, settings and pauses.
type Service struct {
	Store *store.Store
	Now   func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// Unavailable says why a debtor cannot choose a channel: a translation
// key's last part ("not_offered", "no_email", "no_phone", "no_address"),
// or "" when they can.
func Unavailable(rs store.ReminderSettings, d *store.DebtorReminders, channel string) string {
	switch {
	case !rs.Allows(channel):
		return "not_offered"
	case channel == "email" && d.Email == "":
		return "no_email"
	case channel == "sms" && d.Phone == "":
		return "no_phone"
	case channel == "letter" && !d.HasPostalAddress():
		return "no_address"
	}
	return ""
}

// channelErrors are the refusals of a channel that cannot be chosen, by
// Unavailable's reason.
var channelErrors = map[string]string{
	"not_offered": "error.reminders.channel_not_offered",
	"no_email":    "error.reminders.channel_no_email",
	"no_phone":    "error.reminders.channel_no_phone",
	"no_address":  "error.reminders.channel_no_address",
}

// Ask is the preferences form as read: Day "" for no preference.
type Ask struct {
	Channel, Language, Day string
}

// Check validates the debtor's choice against the creditor's settings
// and the addresses on file, and returns the preferences it makes. The
// channel the debtor has now stays acceptable even when it could not be
// chosen any more (so that changing only the language always works); a
// day is only taken when the creditor lets debtors choose one (else the
// stored day is kept).
func Check(rs store.ReminderSettings, d *store.DebtorReminders, a Ask) (store.ReminderPrefs, error) {
	var errs ar.Invalids
	p := store.ReminderPrefs{Channel: a.Channel, Language: a.Language, Day: d.Day}
	switch {
	case a.Channel == "":
		errs.Add("channel", "error.reminders.channel_missing", nil)
	case !slices.Contains(Channels, a.Channel):
		errs.Add("channel", "error.reminders.channel_unknown", nil)
	case a.Channel != d.Channel:
		if why := Unavailable(rs, d, a.Channel); why != "" {
			errs.Add("channel", channelErrors[why], nil)
		}
	}
	if !i18n.Supported(a.Language) {
		errs.Add("language", "error.reminders.language", nil)
	}
	if rs.DayChoice {
		p.Day = nil
		if day := strings.TrimSpace(a.Day); day != "" && day != "none" {
			n, err := strconv.Atoi(day)
			if err != nil || n < 1 || n > MaxDay {
				errs.Add("day", "error.reminders.day", map[string]any{"Max": MaxDay})
			} else {
				p.Day = &n
			}
		}
	}
	return p, errs.Err()
}

// By is who changes the preferences: the debtor, or staff in assist
// mode.
type By struct {
	Actor   string // debtor or staff
	StaffID *int64
}

// SavePrefs stores the debtor's reminder preferences, checked again in
// the transaction against the creditor's settings, with a
// customer-visible timeline entry (what changed, old → new) and the
// creditor's event debtor.preferences_changed. Nothing changed: nothing
// is written and changed is false.
func (s *Service) SavePrefs(ctx context.Context, creditorID, debtorID int64, a Ask, by By) (changed bool, err error) {
	now := s.now()
	err = s.Store.InTx(ctx, func(tx *store.Store) error {
		rs, err := tx.ReminderSettings(ctx, creditorID)
		if err != nil {
			return err
		}
		d, err := tx.LockDebtorReminders(ctx, creditorID, debtorID)
		if err != nil {
			return err
		}
		p, err := Check(rs, d, a)
		if err != nil {
			return err
		}
		old := d.ReminderPrefs
		data := map[string]any{}
		if old.Channel != p.Channel {
			data["channel_from"], data["channel_to"] = old.Channel, p.Channel
		}
		if old.Language != p.Language {
			data["language_from"], data["language_to"] = old.Language, p.Language
		}
		if day(old.Day) != day(p.Day) {
			data["day_from"], data["day_to"] = day(old.Day), day(p.Day)
		}
		if len(data) == 0 {
			return nil
		}
		changed = true
		if err := tx.SetReminderPrefs(ctx, creditorID, debtorID, p); err != nil {
			return err
		}
		if err := tx.AddInteraction(ctx, &ar.Interaction{CreditorID: creditorID, DebtorID: debtorID, Kind: KindPrefsChanged,
			Actor: by.Actor, StaffID: by.StaffID, Visibility: ar.VisibleToCustomer, Data: data, OccurredAt: now}); err != nil {
			return err
		}
		_, err = tx.AddEvent(ctx, creditorID, &debtorID, EventPrefsChanged, map[string]any{
			"customer_number": d.CustomerNumber, "preferred_channel": p.Channel, "language": p.Language,
			"reminder_day": p.Day, "previous": map[string]any{"preferred_channel": old.Channel,
				"language": old.Language, "reminder_day": old.Day},
			"changed_by": by.Actor, "changed_at": now.UTC().Format(time.RFC3339)})
		return err
	})
	return changed, err
}

// day is a preferred day for the timeline: 0 for none.
func day(d *int) int {
	if d == nil {
		return 0
	}
	return *d
}

// Staff is the staff member making a change, at a creditor.
type Staff struct {
	StaffID    int64
	CreditorID int64
}

// SaveSettings stores what the creditor lets debtors choose (at least
// one channel), audited (reminders.settings_updated, before and after).
// Nothing changed: nothing is written and changed is false.
func (s *Service) SaveSettings(ctx context.Context, by Staff, rs store.ReminderSettings) (changed bool, err error) {
	var list []string
	for _, c := range Channels { // in order, each once, known ones only
		if slices.Contains(rs.Channels, c) {
			list = append(list, c)
		}
	}
	if len(list) == 0 {
		return false, ar.Invalids{ar.FieldError("channels", "error.staff.reminders.channels_none", nil)}
	}
	rs.Channels = list
	err = s.Store.InTx(ctx, func(tx *store.Store) error {
		old, err := tx.LockReminderSettings(ctx, by.CreditorID)
		if err != nil {
			return err
		}
		if slices.Equal(old.Channels, rs.Channels) && old.DayChoice == rs.DayChoice {
			return nil
		}
		changed = true
		if err := tx.SetReminderSettings(ctx, by.CreditorID, rs); err != nil {
			return err
		}
		return tx.AddAudit(ctx, &by.StaffID, &by.CreditorID, "reminders.settings_updated", "creditor",
			settingsAudit(old), settingsAudit(rs))
	})
	return changed, err
}

func settingsAudit(rs store.ReminderSettings) map[string]any {
	return map[string]any{"channels": []string(rs.Channels), "day_choice": rs.DayChoice}
}

// note checks a staff note: required, at most MaxNote characters.
func note(field, text string) (string, *ar.Error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return "", ar.FieldError(field, "error.staff.reminders.note_missing", nil)
	}
	if utf8.RuneCountInString(text) > MaxNote {
		return "", ar.FieldError(field, "error.staff.reminders.note_too_long", map[string]any{"Max": MaxNote})
	}
	return text, nil
}

// Pause holds the debtor's reminders up to and including until (a civil
// date, YYYY-MM-DD, in the creditor's zone: today at the earliest,
// MaxPauseDays ahead at the latest), with a required note; an existing
// pause is replaced. Audited (dunning.paused, before and after) with an
// internal timeline entry.
func (s *Service) Pause(ctx context.Context, by Staff, c *ar.Creditor, debtorID int64, until, text string) error {
	var errs ar.Invalids
	today := c.Today(s.now())
	date, err := time.Parse(time.DateOnly, strings.TrimSpace(until))
	switch {
	case strings.TrimSpace(until) == "":
		errs.Add("until", "error.staff.reminders.until_missing", nil)
	case err != nil:
		errs.Add("until", "error.staff.reminders.until_format", nil)
	case date.Before(today):
		errs.Add("until", "error.staff.reminders.until_past", nil)
	case date.After(today.AddDate(0, 0, MaxPauseDays)):
		errs.Add("until", "error.staff.reminders.until_too_far", map[string]any{"Max": MaxPauseDays})
	}
	text, e := note("note", text)
	if e != nil {
		errs = append(errs, e)
	}
	if err := errs.Err(); err != nil {
		return err
	}
	return s.Store.InTx(ctx, func(tx *store.Store) error {
		d, err := tx.LockDebtorReminders(ctx, by.CreditorID, debtorID)
		if err != nil {
			return err
		}
		if err := tx.SetDunningPause(ctx, by.CreditorID, debtorID, &date, text, &by.StaffID); err != nil {
			return err
		}
		data := map[string]any{"date": date.Format(time.DateOnly), "note": text}
		if err := s.internal(ctx, tx, by, debtorID, KindPaused, data); err != nil {
			return err
		}
		return tx.AddAudit(ctx, &by.StaffID, &by.CreditorID, "dunning.paused", d.CustomerNumber, pauseAudit(d.DunningPause), data)
	})
}

// Resume ends staff's pause of the debtor's reminders at once. Without a
// pause it does nothing (false).
func (s *Service) Resume(ctx context.Context, by Staff, debtorID int64) (resumed bool, err error) {
	err = s.Store.InTx(ctx, func(tx *store.Store) error {
		d, err := tx.LockDebtorReminders(ctx, by.CreditorID, debtorID)
		if err != nil {
			return err
		}
		if d.Until == nil {
			return nil
		}
		resumed = true
		if err := tx.SetDunningPause(ctx, by.CreditorID, debtorID, nil, "", nil); err != nil {
			return err
		}
		if err := s.internal(ctx, tx, by, debtorID, KindResumed, map[string]any{"was_until": d.Until.Format(time.DateOnly)}); err != nil {
			return err
		}
		return tx.AddAudit(ctx, &by.StaffID, &by.CreditorID, "dunning.resumed", d.CustomerNumber, pauseAudit(d.DunningPause),
			map[string]any{"until": nil})
	})
	return resumed, err
}

func pauseAudit(p store.DunningPause) map[string]any {
	m := map[string]any{"until": nil}
	if p.Until != nil {
		m["until"], m["note"], m["by"] = p.Until.Format(time.DateOnly), p.Note, p.ByID
	}
	return m
}

// SetHardship sets or clears the debtor's hardship flag (the engine holds
// reminders while it is set), with a required note; audited
// (hardship.set / hardship.cleared) with an internal timeline entry.
// Unchanged: nothing is written and changed is false.
func (s *Service) SetHardship(ctx context.Context, by Staff, debtorID int64, on bool, text string) (changed bool, err error) {
	text, e := note("hardship_note", text)
	if e != nil {
		return false, ar.Invalids{e}
	}
	err = s.Store.InTx(ctx, func(tx *store.Store) error {
		d, err := tx.LockDebtorReminders(ctx, by.CreditorID, debtorID)
		if err != nil {
			return err
		}
		if d.Hardship == on {
			return nil
		}
		changed = true
		if err := tx.SetHardship(ctx, by.CreditorID, debtorID, on); err != nil {
			return err
		}
		kind, action := KindHardshipSet, "hardship.set"
		if !on {
			kind, action = KindHardshipCleared, "hardship.cleared"
		}
		if err := s.internal(ctx, tx, by, debtorID, kind, map[string]any{"note": text}); err != nil {
			return err
		}
		return tx.AddAudit(ctx, &by.StaffID, &by.CreditorID, action, d.CustomerNumber,
			map[string]any{"hardship": d.Hardship}, map[string]any{"hardship": on, "note": text})
	})
	return changed, err
}

// internal writes an internal timeline entry by staff.
func (s *Service) internal(ctx context.Context, tx *store.Store, by Staff, debtorID int64, kind string, data map[string]any) error {
	id := by.StaffID
	return tx.AddInteraction(ctx, &ar.Interaction{CreditorID: by.CreditorID, DebtorID: debtorID, Kind: kind, Actor: "staff",
		StaffID: &id, Visibility: ar.InternalOnly, Data: data, OccurredAt: s.now()})
}
