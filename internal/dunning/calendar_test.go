package dunning

import (
	"math/rand/v2"
	"testing"
	"time"
)

func d(y int, m time.Month, dd int) time.Time { return time.Date(y, m, dd, 0, 0, 0, 0, time.UTC) }

// The day arithmetic agrees with package time for every day of 1900–2200.
func TestDayRoundTrip(t *testing.T) {
	start := d(1900, 1, 1)
	for i := 0; i < 300*366; i++ {
		want := start.AddDate(0, 0, i)
		n := civilDay(want)
		if got := n.Time(); !got.Equal(want) {
			t.Fatalf("day %d: %v, want %v", n, got, want)
		}
		if n.weekday() != want.Weekday() {
			t.Fatalf("%v: weekday %v, want %v", want, n.weekday(), want.Weekday())
		}
		if i > 0 && n != civilDay(start)+day(i) {
			t.Fatalf("%v: not consecutive", want)
		}
	}
	for _, c := range []struct {
		y    int
		m    time.Month
		days int
	}{{2024, 2, 29}, {2025, 2, 28}, {2100, 2, 28}, {2000, 2, 29}, {2026, 4, 30}, {2026, 12, 31}} {
		if got := daysIn(c.y, c.m); got != c.days {
			t.Errorf("daysIn(%d, %v) = %d, want %d", c.y, c.m, got, c.days)
		}
	}
}

func TestEasterAndGermanHolidays(t *testing.T) {
	for y, want := range map[int]time.Time{2023: d(2023, 4, 9), 2024: d(2024, 3, 31), 2025: d(2025, 4, 20), 2026: d(2026, 4, 5), 2027: d(2027, 3, 28), 2038: d(2038, 4, 25)} {
		if got := easter(y).Time(); !got.Equal(want) {
			t.Errorf("Easter %d = %v, want %v", y, got.Format(time.DateOnly), want.Format(time.DateOnly))
		}
	}
	want := []time.Time{d(2026, 1, 1), d(2026, 4, 3), d(2026, 4, 6), d(2026, 5, 1), d(2026, 5, 14), d(2026, 5, 25), d(2026, 10, 3), d(2026, 12, 25), d(2026, 12, 26)}
	got := GermanCalendar(2026, 2026).Holidays()
	if len(got) != len(want) {
		t.Fatalf("holidays 2026: %v", got)
	}
	for i := range want {
		if !got[i].Equal(want[i]) {
			t.Errorf("holiday %d = %v, want %v", i, got[i].Format(time.DateOnly), want[i].Format(time.DateOnly))
		}
	}
}

func TestNextBusinessDay(t *testing.T) {
	cal := GermanCalendar(2025, 2027)
	for _, c := range []struct{ in, want time.Time }{
		{d(2026, 11, 23), d(2026, 11, 23)}, // Monday
		{d(2026, 11, 28), d(2026, 11, 30)}, // Saturday → Monday
		{d(2026, 4, 3), d(2026, 4, 7)},     // Good Friday → Tuesday after Easter Monday
		{d(2026, 12, 24), d(2026, 12, 24)}, // Christmas Eve is a business day
		{d(2026, 12, 25), d(2026, 12, 28)}, // 25, 26 holidays, 27 Sunday
		{d(2026, 12, 31), d(2026, 12, 31)}, //
		{d(2027, 1, 1), d(2027, 1, 4)},     // New Year (Friday), weekend
		{d(2026, 10, 3), d(2026, 10, 5)},   // Unity Day on a Saturday
	} {
		if got := cal.NextBusinessDay(c.in); !got.Equal(c.want) {
			t.Errorf("NextBusinessDay(%s) = %s, want %s", c.in.Format(time.DateOnly), got.Format(time.DateOnly), c.want.Format(time.DateOnly))
		}
	}
	// Property: the result is a business day, not before the input, and
	// nothing between is a business day.
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		in := d(2025, 1, 1).AddDate(0, 0, r.IntN(3*365-10))
		got := cal.NextBusinessDay(in)
		if !cal.BusinessDay(got) || got.Before(in) {
			t.Fatalf("NextBusinessDay(%v) = %v", in, got)
		}
		for x := in; x.Before(got); x = x.AddDate(0, 0, 1) {
			if cal.BusinessDay(x) {
				t.Fatalf("NextBusinessDay(%v) = %v skips business day %v", in, got, x)
			}
		}
	}
	// A calendar without business days does not spin forever.
	all := []time.Weekday{0, 1, 2, 3, 4, 5, 6}
	if got := NewCalendar(all, nil).NextBusinessDay(d(2026, 1, 1)); !got.Equal(d(2026, 1, 1)) {
		t.Errorf("closed calendar: %v", got)
	}
}
