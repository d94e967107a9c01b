package reminders

import (
	"testing"

	"github.com/lib/pq"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/store"
)

func fieldKeys(err error) map[string]string {
	out := map[string]string{}
	if list, ok := err.(ar.Invalids); ok {
		for _, e := range list {
			out[e.Field] = e.Key
		}
	}
	return out
}

func TestCheck(t *testing.T) {
	all := store.ReminderSettings{Channels: pq.StringArray{"email", "sms", "letter"}, DayChoice: true}
	emailOnly := store.ReminderSettings{Channels: pq.StringArray{"email"}}
	ten := 10
	full := &store.DebtorReminders{Email: "a@example.org", Phone: "+49 170 1", Street: "Weg 1", Postcode: "10115", City: "Berlin",
		ReminderPrefs: store.ReminderPrefs{Channel: "email", Language: "de", Day: &ten}}
	bare := &store.DebtorReminders{Email: "b@example.org", ReminderPrefs: store.ReminderPrefs{Channel: "sms"}}
	for _, tc := range []struct {
		name    string
		rs      store.ReminderSettings
		d       *store.DebtorReminders
		ask     Ask
		errs    map[string]string
		wantDay int // 0: none
	}{
		{"all fine", all, full, Ask{"sms", "en", "15"}, nil, 15},
		{"no preference", all, full, Ask{"letter", "de", "none"}, nil, 0},
		{"empty day", all, full, Ask{"letter", "de", ""}, nil, 0},
		{"day not offered keeps the stored one", emailOnly, full, Ask{"email", "de", "3"}, nil, 10},
		{"not offered", emailOnly, full, Ask{"sms", "de", ""}, map[string]string{"channel": "error.reminders.channel_not_offered"}, 10},
		{"no phone", all, &store.DebtorReminders{Email: "x@y", ReminderPrefs: store.ReminderPrefs{Channel: "email"}},
			Ask{"sms", "de", ""}, map[string]string{"channel": "error.reminders.channel_no_phone"}, 0},
		{"no address", all, bare, Ask{"letter", "de", ""}, map[string]string{"channel": "error.reminders.channel_no_address"}, 0},
		{"no email", all, &store.DebtorReminders{Phone: "+49", ReminderPrefs: store.ReminderPrefs{Channel: "sms"}},
			Ask{"email", "de", ""}, map[string]string{"channel": "error.reminders.channel_no_email"}, 0},
		{"the current channel stays acceptable", emailOnly, bare, Ask{"sms", "en", ""}, nil, 0},
		{"everything wrong", all, full, Ask{"", "fr", "29"}, map[string]string{"channel": "error.reminders.channel_missing",
			"language": "error.reminders.language", "day": "error.reminders.day"}, 0},
		{"unknown channel, day zero", all, full, Ask{"fax", "de", "0"}, map[string]string{"channel": "error.reminders.channel_unknown",
			"day": "error.reminders.day"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Check(tc.rs, tc.d, tc.ask)
			got := fieldKeys(err)
			if len(got) != len(tc.errs) {
				t.Fatalf("errors %v, want %v", got, tc.errs)
			}
			for f, k := range tc.errs {
				if got[f] != k {
					t.Errorf("%s: %q, want %q", f, got[f], k)
				}
			}
			if err != nil {
				return
			}
			if p.Channel != tc.ask.Channel || p.Language != tc.ask.Language || day(p.Day) != tc.wantDay {
				t.Errorf("prefs %+v (day %d), want %v day %d", p, day(p.Day), tc.ask, tc.wantDay)
			}
		})
	}
}
