package handlers

// reminders (issue 9): the debtor's reminder preferences in the portal,
// limited by the creditor's settings (staff settings page), and staff's
// pause and hardship flag on the debtor view.

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/settle/settle/internal/staff"
)

// reminderRow is a debtor's reminder columns as stored.
type reminderRow struct {
	Channel  string     `db:"preferred_channel"`
	Language string     `db:"language"`
	Day      *int       `db:"reminder_day"`
	Hardship bool       `db:"hardship"`
	Until    *time.Time `db:"dunning_paused_until"`
	Note     string     `db:"dunning_pause_note"`
	By       *int64     `db:"dunning_paused_by"`
}

func (h *harness) reminderRow(debtorID int64) reminderRow {
	h.t.Helper()
	var r reminderRow
	if err := h.db.Get(&r, `SELECT preferred_channel, language, reminder_day, hardship, dunning_paused_until,
		dunning_pause_note, dunning_paused_by FROM debtors WHERE id = $1`, debtorID); err != nil {
		h.t.Fatal(err)
	}
	return r
}

// checkedValue is the value of the checked radio named name ("" none).
func checkedValue(doc *htmlDoc, name string) string {
	for _, n := range doc.tag("input") {
		if v, _ := attr(n, "name"); v != name {
			continue
		}
		if _, ok := attr(n, "checked"); ok {
			val, _ := attr(n, "value")
			return val
		}
	}
	return ""
}

// radioDisabled reports whether the radio name=value is disabled.
func radioDisabled(t *testing.T, doc *htmlDoc, name, value string) bool {
	t.Helper()
	for _, n := range doc.tag("input") {
		if v, _ := attr(n, "name"); v != name {
			continue
		}
		if v, _ := attr(n, "value"); v == value {
			_, ok := attr(n, "disabled")
			return ok
		}
	}
	t.Fatalf("no radio %s=%s", name, value)
	return false
}

// The debtor reaches the page from the dashboard (after the step-up),
// chooses channel, language and day; the choice is stored, shows on the
// customer's history and the staff debtor view, and the creditor gets
// debtor.preferences_changed. Saving again without a change writes
// nothing.
func TestReminderPrefsSaved(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	if res := h.entered(h.alice).get("/account/reminders"); res.StatusCode != http.StatusSeeOther ||
		!strings.HasPrefix(res.Header.Get("Location"), "/account/verify") {
		t.Fatalf("without the step-up: %d %s, want 303 to the step-up", res.StatusCode, res.Header.Get("Location"))
	}
	c := h.steppedUp(h.alice)
	if doc := c.get("/account").html(t); len(doc.testID("reminders-link")) != 1 {
		t.Error("the dashboard has no link to the reminder preferences")
	}
	res := c.get("/account/reminders")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /account/reminders = %d", res.StatusCode)
	}
	checkFormLabels(t, "reminders form", res)
	doc := res.html(t)
	if got := checkedValue(doc, "channel"); got != "email" {
		t.Errorf("channel checked = %q, want the stored email", got)
	}
	for _, ch := range []string{"email", "sms", "letter"} {
		if radioDisabled(t, doc, "channel", ch) || len(doc.testID("why-"+ch)) != 0 {
			t.Errorf("alice has every address, but %s is unavailable", ch)
		}
	}
	if len(doc.testID("day")) != 1 {
		t.Error("no day choice, though the creditor allows it by default")
	}

	res = c.post("/account/reminders", url.Values{"channel": {"sms"}, "language": {"en"}, "day": {"15"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account/reminders?saved=1" {
		t.Fatalf("POST = %d %s, want 303 to ?saved=1", res.StatusCode, res.Header.Get("Location"))
	}
	row := h.reminderRow(h.alice.ID)
	if row.Channel != "sms" || row.Language != "en" || row.Day == nil || *row.Day != 15 {
		t.Errorf("stored %+v, want sms, en, 15", row)
	}
	// The confirmation, now in the debtor's new language.
	if doc := c.get("/account/reminders?saved=1").html(t); !contains(doc.testIDText("reminders-saved"), h.en().T("page.reminders.saved")) {
		t.Errorf("no English confirmation: %q", doc.testIDText("reminders-saved"))
	}
	if n := h.queryInt(`SELECT count(*) FROM interactions WHERE debtor_id = $1 AND kind = 'reminder_prefs.changed'
		AND visibility = 'customer'`, h.alice.ID); n != 1 {
		t.Errorf("customer-visible timeline entries = %d, want 1", n)
	}
	var raw []byte
	if err := h.db.Get(&raw, `SELECT data FROM events WHERE creditor_id = $1 AND debtor_id = $2
		AND type = 'debtor.preferences_changed'`, h.a.ID, h.alice.ID); err != nil {
		t.Fatalf("no debtor.preferences_changed event: %v", err)
	}
	var ev map[string]any
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	prev, _ := ev["previous"].(map[string]any)
	if ev["customer_number"] != sharedCustNo || ev["preferred_channel"] != "sms" || ev["language"] != "en" ||
		ev["reminder_day"] != float64(15) || prev["preferred_channel"] != "email" || prev["reminder_day"] != nil ||
		ev["changed_by"] != "debtor" {
		t.Errorf("event data = %v", ev)
	}
	// The history says what changed, old → new, in the reader's language.
	hist := c.get("/account/history").html(t).text()
	want := h.en().T("history.reminder_prefs.changed", "Changes", "channel email → SMS; language not set → English; "+
		"day No preference → Around day 15 of the month")
	if !contains(hist, want) {
		t.Errorf("history lacks %q", want)
	}
	// Staff see the choice, read-only, on the debtor view.
	sv := h.staffClient(staff.RoleAgent, h.a).get("/staff/debtors/"+strconv.FormatInt(h.alice.ID, 10), "Accept-Language", "en").html(t)
	if got := sv.testIDText("reminder-prefs"); !contains(got, "Wants reminders by SMS · English · around day 15 of the month") {
		t.Errorf("staff view preferences = %q", got)
	}

	// The same again: nothing changes, nothing is written.
	res = c.post("/account/reminders", url.Values{"channel": {"sms"}, "language": {"en"}, "day": {"15"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account/reminders?saved=0" {
		t.Errorf("unchanged POST = %d %s, want 303 to ?saved=0", res.StatusCode, res.Header.Get("Location"))
	}
	if n := h.queryInt(`SELECT count(*) FROM events WHERE debtor_id = $1 AND type = 'debtor.preferences_changed'`, h.alice.ID); n != 1 {
		t.Errorf("events after an unchanged save = %d, want 1", n)
	}
	// "No preference" clears the day.
	c.post("/account/reminders", url.Values{"channel": {"sms"}, "language": {"en"}, "day": {"none"}})
	if row := h.reminderRow(h.alice.ID); row.Day != nil {
		t.Errorf("day after no preference = %v", *row.Day)
	}
}

// Refusals in both languages, beside their fields, with the choice kept:
// no SMS without a phone number (and the page says why), an unknown
// language, a day outside 1–28.
func TestReminderPrefsRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t)

	// Bob (English) has no phone number: SMS is unavailable, and why.
	bob := h.steppedUp(h.bob)
	doc := bob.get("/account/reminders").html(t)
	if !radioDisabled(t, doc, "channel", "sms") || !contains(doc.testIDText("why-sms"), h.en().T("page.reminders.unavailable.no_phone")) {
		t.Errorf("SMS without a phone number: disabled %v, why %q", radioDisabled(t, doc, "channel", "sms"), doc.testIDText("why-sms"))
	}
	res := bob.post("/account/reminders", url.Values{"channel": {"sms"}, "language": {"de"}, "day": {"20"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("SMS without a phone = %d, want 422", res.StatusCode)
	}
	doc = res.html(t)
	if got := doc.testIDText("error-channel"); got != h.en().T("error.reminders.channel_no_phone") {
		t.Errorf("English channel error = %q", got)
	}
	if checkedValue(doc, "channel") != "sms" || checkedValue(doc, "language") != "de" {
		t.Error("the choice was not kept")
	}
	if row := h.reminderRow(h.bob.ID); row.Channel != "email" || row.Language != "en" || row.Day != nil {
		t.Errorf("a refused choice was stored: %+v", row)
	}

	// Alice, in German: everything wrong at once.
	alice := h.steppedUp(h.alice)
	res = alice.post("/account/reminders", url.Values{"channel": {"pigeon"}, "language": {"fr"}, "day": {"31"}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("invalid POST = %d, want 422", res.StatusCode)
	}
	doc = res.html(t)
	for field, want := range map[string]string{
		"channel":  h.de().T("error.reminders.channel_unknown"),
		"language": h.de().T("error.reminders.language"),
		"day":      "Bitte wählen Sie einen Tag zwischen 1 und 28 oder „Egal“.",
	} {
		if got := doc.testIDText("error-" + field); got != want {
			t.Errorf("German error for %s = %q, want %q", field, got, want)
		}
	}
	if n := h.queryInt(`SELECT count(*) FROM interactions WHERE kind = 'reminder_prefs.changed'`); n != 0 {
		t.Errorf("refusals wrote %d timeline entries", n)
	}
}

// What the creditor allows (the staff settings page, admins only,
// audited) limits the debtor's choice: a channel not on offer is
// refused, and without day choice the day field is gone and the stored
// day stays.
func TestReminderPrefsCreditorSettings(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin := h.staffClient(staff.RoleAdmin, h.a)
	if doc := admin.get("/staff/settings").html(t); len(doc.testID("area-reminders")) != 1 {
		t.Error("the settings overview has no reminders area")
	}
	res := admin.get("/staff/settings/reminders")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET settings = %d", res.StatusCode)
	}
	checkFormLabels(t, "reminder settings", res)

	// None at all: refused in the staff member's language, nothing saved.
	res = admin.post("/staff/settings/reminders", url.Values{"day_choice": {"yes"}}, "Accept-Language", "en")
	if res.StatusCode != http.StatusUnprocessableEntity || !contains(res.html(t).text(), h.en().T("error.staff.reminders.channels_none")) {
		t.Errorf("no channel = %d, want 422 with the English error", res.StatusCode)
	}
	res = admin.post("/staff/settings/reminders", url.Values{})
	if res.StatusCode != http.StatusUnprocessableEntity || !contains(res.html(t).text(), h.de().T("error.staff.reminders.channels_none")) {
		t.Errorf("no channel = %d, want 422 with the German error", res.StatusCode)
	}

	// A day chosen while allowed stays when the choice is withdrawn.
	alice := h.steppedUp(h.alice)
	alice.post("/account/reminders", url.Values{"channel": {"email"}, "language": {"de"}, "day": {"10"}})

	res = admin.post("/staff/settings/reminders", url.Values{"channels": {"letter", "email", "fax"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save settings = %d", res.StatusCode)
	}
	if n := h.queryInt(`SELECT count(*) FROM creditors WHERE id = $1 AND reminder_channels = '{email,letter}'
		AND NOT reminder_day_choice`, h.a.ID); n != 1 {
		t.Error("settings not stored as {email,letter} without day choice")
	}
	if n := h.queryInt(`SELECT count(*) FROM audit_log WHERE creditor_id = $1 AND action = 'reminders.settings_updated'
		AND before->>'day_choice' = 'true' AND after->>'day_choice' = 'false'`, h.a.ID); n != 1 {
		t.Errorf("audit rows = %d, want 1 with before/after", n)
	}
	if n := h.queryInt(`SELECT count(*) FROM creditors WHERE id = $1 AND reminder_channels = '{email,sms,letter}'`, h.b.ID); n != 1 {
		t.Error("another creditor's settings changed")
	}

	doc := alice.get("/account/reminders").html(t)
	if !radioDisabled(t, doc, "channel", "sms") || doc.testIDText("why-sms") != h.de().T("page.reminders.unavailable.not_offered") {
		t.Error("SMS is not shown as not offered")
	}
	if len(doc.testID("day")) != 0 {
		t.Error("the day choice is shown though the creditor withdrew it")
	}
	res = alice.post("/account/reminders", url.Values{"channel": {"sms"}, "language": {"de"}})
	if res.StatusCode != http.StatusUnprocessableEntity || res.html(t).testIDText("error-channel") != h.de().T("error.reminders.channel_not_offered") {
		t.Errorf("a channel not on offer = %d, want 422 with its error", res.StatusCode)
	}
	res = alice.post("/account/reminders", url.Values{"channel": {"letter"}, "language": {"de"}, "day": {"20"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("letter = %d", res.StatusCode)
	}
	if row := h.reminderRow(h.alice.ID); row.Channel != "letter" || row.Day == nil || *row.Day != 10 {
		t.Errorf("stored %+v, want letter and the day 10 kept", row)
	}
	// The channel one has keeps working though it is no longer on offer.
	h.db.MustExec(`UPDATE creditors SET reminder_channels = '{email}' WHERE id = $1`, h.a.ID)
	if res := alice.post("/account/reminders", url.Values{"channel": {"letter"}, "language": {"en"}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("changing only the language with a channel no longer offered = %d", res.StatusCode)
	}
}

// Staff's pause: AR staff pause with a reason up to 90 days ahead (in
// the creditor's zone), the debtor view says until when, by whom and
// why, the change is audited and on the internal timeline only, and
// "Resume now" ends it. Agents cannot; another creditor's debtor is not
// found.
func TestDunningPause(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	email := h.addStaff(staff.RoleAR, h.a, false)
	ar := h.client()
	ar.staffLogin(email)
	path := "/staff/debtors/" + strconv.FormatInt(h.alice.ID, 10)
	today := h.a.Today(h.clock.Now())
	day := func(n int) string { return today.AddDate(0, 0, n).Format(time.DateOnly) }

	doc := ar.get(path).html(t)
	if len(doc.testID("dunning-not-paused")) != 1 || len(doc.testID("pause-form")) != 1 || len(doc.testID("resume-form")) != 0 {
		t.Error("the debtor view lacks the pause form or says paused")
	}

	// Refusals, in both languages, with what was typed kept.
	for _, tc := range []struct {
		until, note, field, key string
	}{
		{day(-1), "Reha", "until", "error.staff.reminders.until_past"},
		{day(91), "Reha", "until", "error.staff.reminders.until_too_far"},
		{"", "Reha", "until", "error.staff.reminders.until_missing"},
		{"31.12.2026", "Reha", "until", "error.staff.reminders.until_format"},
		{day(10), "  ", "note", "error.staff.reminders.note_missing"},
	} {
		for _, lang := range []string{"de", "en"} {
			res := ar.post(path+"/dunning-pause", url.Values{"until": {tc.until}, "note": {tc.note}}, "Accept-Language", lang)
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("%q/%q = %d, want 422", tc.until, tc.note, res.StatusCode)
				continue
			}
			doc := res.html(t)
			if got, want := norm(textOf(doc.byID("pause-"+tc.field+"-error"))), h.cat.Locale(lang).T(tc.key); got != want {
				t.Errorf("%s error for %q = %q, want %q", lang, tc.until, got, want)
			}
			if v, _ := attr(doc.byID("pause-until"), "value"); v != tc.until {
				t.Errorf("date not kept: %q", v)
			}
		}
	}
	if n := h.queryInt(`SELECT count(*) FROM debtors WHERE dunning_paused_until IS NOT NULL`); n != 0 {
		t.Fatal("a refused pause was stored")
	}

	// The last day allowed, 90 days ahead.
	res := ar.post(path+"/dunning-pause", url.Values{"until": {day(90)}, "note": {"Krankenhausaufenthalt"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != path+"?done=paused" {
		t.Fatalf("pause = %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	row := h.reminderRow(h.alice.ID)
	if row.Until == nil || row.Until.Format(time.DateOnly) != day(90) || row.Note != "Krankenhausaufenthalt" || row.By == nil {
		t.Errorf("stored pause %+v", row)
	}
	p, err := h.st.DunningPause(h.ctx, h.a.ID, h.alice.ID)
	if err != nil || !p.Holds(today) || !p.Holds(today.AddDate(0, 0, 90)) || p.Holds(today.AddDate(0, 0, 91)) {
		t.Errorf("store.DunningPause = %+v, %v: want it to hold through day 90", p, err)
	}
	if _, err := h.st.DunningPause(h.ctx, h.b.ID, h.alice.ID); err == nil {
		t.Error("DunningPause found alice under another creditor")
	}
	if n := h.queryInt(`SELECT count(*) FROM audit_log WHERE action = 'dunning.paused' AND subject = $1
		AND before->>'until' IS NULL AND after->>'date' = $2 AND after->>'note' = 'Krankenhausaufenthalt'`, sharedCustNo, day(90)); n != 1 {
		t.Errorf("audit rows = %d, want 1", n)
	}
	if n := h.queryInt(`SELECT count(*) FROM interactions WHERE debtor_id = $1 AND kind = 'dunning.paused'
		AND visibility = 'internal'`, h.alice.ID); n != 1 {
		t.Errorf("internal timeline entries = %d, want 1", n)
	}
	if hist := h.steppedUp(h.alice).get("/account/history").html(t).text(); strings.Contains(hist, "Krankenhaus") {
		t.Error("the debtor's history shows the internal pause")
	}
	doc = ar.get(path+"?done=paused", "Accept-Language", "en").html(t)
	want := h.en().T("staff.reminders.paused", "Date", h.en().Date(today.AddDate(0, 0, 90)), "By", email) + " (Krankenhausaufenthalt)"
	if got := doc.testIDText("dunning-paused"); !contains(got, want) {
		t.Errorf("debtor view says %q, want %q", got, want)
	}
	if len(doc.testID("resume-form")) != 1 || !contains(doc.testIDText("notice"), h.en().T("staff.reminders.notice.paused")) {
		t.Error("no resume form or notice after pausing")
	}

	// Agents cannot pause or resume; another creditor's debtor is not found.
	agent := h.staffClient(staff.RoleAgent, h.a)
	if doc := agent.get(path).html(t); len(doc.testID("pause-form")) != 0 || len(doc.testID("hardship-form")) != 0 {
		t.Error("an agent sees the pause or hardship form")
	}
	for _, action := range []string{"/dunning-pause", "/dunning-resume"} {
		if res := agent.post(path+action, url.Values{"until": {day(5)}, "note": {"x"}}); res.StatusCode != http.StatusForbidden {
			t.Errorf("agent %s = %d, want 403", action, res.StatusCode)
		}
	}
	carol := "/staff/debtors/" + strconv.FormatInt(h.carol.ID, 10)
	for _, action := range []string{"/dunning-pause", "/dunning-resume"} {
		if res := ar.post(carol+action, url.Values{"until": {day(5)}, "note": {"x"}}); res.StatusCode != http.StatusNotFound {
			t.Errorf("other creditor's debtor %s = %d, want 404", action, res.StatusCode)
		}
	}
	if row := h.reminderRow(h.alice.ID); row.Until == nil || row.Until.Format(time.DateOnly) != day(90) {
		t.Error("the agent's request changed the pause")
	}
	if n := h.queryInt(`SELECT count(*) FROM debtors WHERE id = $1 AND dunning_paused_until IS NOT NULL`, h.carol.ID); n != 0 {
		t.Error("carol was paused across creditors")
	}

	// Resume now.
	res = ar.post(path+"/dunning-resume", nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != path+"?done=resumed" {
		t.Fatalf("resume = %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if row := h.reminderRow(h.alice.ID); row.Until != nil || row.Note != "" || row.By != nil {
		t.Errorf("after resume: %+v", row)
	}
	if n := h.queryInt(`SELECT count(*) FROM audit_log WHERE action = 'dunning.resumed' AND before->>'until' = $1`, day(90)); n != 1 {
		t.Errorf("resume audit rows = %d", n)
	}
	if n := h.queryInt(`SELECT count(*) FROM interactions WHERE debtor_id = $1 AND kind = 'dunning.resumed' AND visibility = 'internal'`,
		h.alice.ID); n != 1 {
		t.Errorf("resume timeline entries = %d", n)
	}
	if doc := ar.get(path).html(t); len(doc.testID("dunning-not-paused")) != 1 {
		t.Error("the debtor view still says paused")
	}
}

// Hardship: AR staff set and clear it with a note (audited, internal
// timeline); the debtor view shows it; without a note it is refused.
func TestHardshipFlag(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.staffClient(staff.RoleAR, h.a)
	path := "/staff/debtors/" + strconv.FormatInt(h.alice.ID, 10)

	res := c.post(path+"/hardship", url.Values{"hardship": {"on"}, "hardship_note": {""}}, "Accept-Language", "en")
	if res.StatusCode != http.StatusUnprocessableEntity ||
		norm(textOf(res.html(t).byID("hardship-note-error"))) != h.en().T("error.staff.reminders.note_missing") {
		t.Errorf("no note = %d, want 422 with the English error", res.StatusCode)
	}
	res = c.post(path+"/hardship", url.Values{"hardship": {"on"}, "hardship_note": {"Arbeitslos seit Oktober"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("set hardship = %d", res.StatusCode)
	}
	if !h.reminderRow(h.alice.ID).Hardship {
		t.Fatal("hardship not set")
	}
	p, err := h.st.DunningPause(h.ctx, h.a.ID, h.alice.ID)
	if err != nil || !p.Hardship || !p.Holds(h.a.Today(h.clock.Now())) {
		t.Errorf("DunningPause with hardship = %+v, %v", p, err)
	}
	doc := c.get(path, "Accept-Language", "en").html(t)
	if !contains(doc.testIDText("hardship-state"), h.en().T("staff.reminders.hardship_on")) || len(doc.testID("hardship-clear")) != 1 {
		t.Error("the debtor view does not show the hardship flag with its clear button")
	}
	if !contains(doc.testIDText("timeline"), "Arbeitslos seit Oktober") {
		t.Error("the note is not on the staff timeline")
	}
	res = c.post(path+"/hardship", url.Values{"hardship": {"off"}, "hardship_note": {"Neue Stelle"}})
	if res.StatusCode != http.StatusSeeOther || h.reminderRow(h.alice.ID).Hardship {
		t.Fatalf("clear hardship = %d", res.StatusCode)
	}
	if n := h.queryInt(`SELECT count(*) FROM audit_log WHERE subject = $1 AND ((action = 'hardship.set'
		AND after->>'hardship' = 'true') OR (action = 'hardship.cleared' AND after->>'hardship' = 'false'))`, sharedCustNo); n != 2 {
		t.Errorf("audit rows = %d, want 2", n)
	}
	if n := h.queryInt(`SELECT count(*) FROM interactions WHERE debtor_id = $1 AND kind IN ('hardship.set', 'hardship.cleared')
		AND visibility = 'internal'`, h.alice.ID); n != 2 {
		t.Errorf("internal timeline entries = %d, want 2", n)
	}
	if res := h.staffClient(staff.RoleAgent, h.a).post(path+"/hardship", url.Values{"hardship": {"on"}, "hardship_note": {"x"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("agent = %d, want 403", res.StatusCode)
	}
	carol := "/staff/debtors/" + strconv.FormatInt(h.carol.ID, 10) + "/hardship"
	if res := c.post(carol, url.Values{"hardship": {"on"}, "hardship_note": {"x"}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("other creditor's debtor = %d, want 404", res.StatusCode)
	}
}

// The pause's dates are the creditor's: at 00:30 in Berlin (23:30 UTC)
// the UTC day is past, and the 90 days count from Berlin's today.
func TestDunningPauseCreditorZone(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.clock.Advance(14*time.Hour + 30*time.Minute) // 2026-11-23 23:30 UTC, 2026-11-24 00:30 in Berlin
	c := h.staffClient(staff.RoleAR, h.a)
	path := "/staff/debtors/" + strconv.FormatInt(h.alice.ID, 10) + "/dunning-pause"
	if res := c.post(path, url.Values{"until": {"2026-11-23"}, "note": {"Reha"}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("the UTC day, past in Berlin = %d, want 422", res.StatusCode)
	}
	if res := c.post(path, url.Values{"until": {"2027-02-22"}, "note": {"Reha"}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("90 days after Berlin's today = %d, want 303", res.StatusCode)
	}
	if res := c.post(path, url.Values{"until": {"2027-02-23"}, "note": {"Reha"}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("91 days after Berlin's today = %d, want 422", res.StatusCode)
	}
	if res := c.post(path, url.Values{"until": {"2026-11-24"}, "note": {"Nur heute"}}); res.StatusCode != http.StatusSeeOther {
		t.Errorf("Berlin's today = %d, want 303", res.StatusCode)
	}
}
