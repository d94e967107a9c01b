package dunning

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

var locs = map[string]*time.Location{} // LoadLocation reads a file every time

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	if loc := locs[name]; loc != nil {
		return loc
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	locs[name] = loc
	return loc
}

func berlin(t testing.TB) *Timing { return DefaultTiming(mustLoc(t, "Europe/Berlin"), 2020, 2035) }

func utc(s string) time.Time {
	x, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return x
}

func dates(steps []Step) string {
	s := ""
	for _, st := range steps {
		mark := ""
		if st.Skipped {
			mark = "(skipped)"
		}
		s += fmt.Sprintf("%s %s%s; ", st.Date.Format("01-02"), st.At.Format("15:04"), mark)
	}
	return s
}

// Worked examples in Europe/Berlin with the standard policy (−3, 0, +7,
// +14, +28, +42) and German national holidays; 09:00 local is 08:00 UTC
// in winter time (CET) and 07:00 UTC in summer time (CEST; from 29 March
// 2026).
func TestScheduleExamples(t *testing.T) {
	tm := berlin(t)
	p := standard()
	cases := []struct {
		name string
		inv  Invoice
		want string
	}{
		// Due Fri 20 Mar 2026. −3 Tue 17 Mar; 0 Fri 20 Mar; +7 Fri 27 Mar
		// (CET, 08:00Z); +14 is Good Friday 3 Apr → after Easter Monday,
		// Tue 7 Apr, now CEST (07:00Z); +28 Fri 17 Apr; +42 is 1 May
		// (holiday, Friday) → Mon 4 May.
		{"DST and Easter", Invoice{DueDate: d(2026, 3, 20)},
			"03-17 08:00; 03-20 08:00; 03-27 08:00; 04-07 07:00; 04-17 07:00; 05-04 07:00; "},
		// Due Sat 31 Jan 2026: every trigger is a Saturday (−3 is Wed 28
		// Jan). Month end: +28 is 28 Feb, not "31 Feb"/3 Mar; Saturday →
		// Mon 2 Mar. +42 is Sat 14 Mar → Mon 16 Mar, still CET.
		{"month end and weekends", Invoice{DueDate: d(2026, 1, 31)},
			"01-28 08:00; 02-02 08:00; 02-09 08:00; 02-16 08:00; 03-02 08:00; 03-16 08:00; "},
		// Smart waiting, lag 5: the nudge is skipped, the soft reminder
		// waits until due+6 (Thu 26 Mar); reminders keep their dates.
		{"lag 5", Invoice{DueDate: d(2026, 3, 20), LagDays: 5},
			"03-17 08:00(skipped); 03-26 08:00; 03-27 08:00; 04-07 07:00; 04-17 07:00; 05-04 07:00; "},
		// Lag 7: due+8 (Sat 28 Mar) reaches the first reminder (+7): soft
		// is skipped.
		{"lag 7", Invoice{DueDate: d(2026, 3, 20), LagDays: 7},
			"03-17 08:00(skipped); 03-30 07:00(skipped); 03-27 08:00; 04-07 07:00; 04-17 07:00; 05-04 07:00; "},
		// Preferred day 25: the soft reminder (20 Mar) waits for Wed 25 Mar;
		// reminder-1 (27 Mar) is too far from 25 Apr and stays; reminder-2
		// (3 Apr → 7 Apr) stays; the final notice never moves.
		{"preferred day", Invoice{DueDate: d(2026, 3, 20), PreferredDay: 25},
			"03-17 08:00; 03-25 08:00; 03-27 08:00; 04-07 07:00; 04-17 07:00; 05-04 07:00; "},
		// Preferred day 31 in February means the 28th (a Saturday in 2026:
		// then Monday). Due Wed 25 Feb: the nudge (Sun 22 Feb) goes on Mon
		// 23 Feb; soft 25 Feb → 28 Feb → Mon 2 Mar; reminder-1 (4 Mar) is
		// after it.
		{"preferred day at month end", Invoice{DueDate: d(2026, 2, 25), PreferredDay: 31},
			"02-23 08:00; 03-02 08:00; 03-04 08:00; 03-11 08:00; 03-25 08:00; 04-08 07:00; "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := dates(tm.Schedule(nil, &p, &c.inv))
			if got != c.want {
				t.Errorf("\n got %s\nwant %s", got, c.want)
			}
		})
	}
}

// Two stages that move onto the same business day are kept apart: the
// later one goes to the next business day.
func TestScheduleKeepsOrder(t *testing.T) {
	tm := berlin(t)
	p := Policy{Key: "tight", Name: "x", Currency: "EUR", Stages: []Stage{
		{Key: "soft", Kind: Soft, Offset: 0, Channel: Email, Tone: Friendly},
		{Key: "r1", Kind: Reminder, Offset: 1, Channel: Email, Tone: Neutral},
		{Key: "r2", Kind: Reminder, Offset: 2, Channel: Email, Tone: Neutral},
	}}
	// Due Fri 2 Oct 2026: Sat 3 (Unity Day), Sun 4 → all three would be
	// Fri 2, Mon 5, Mon 5.
	got := dates(tm.Schedule(nil, &p, &Invoice{DueDate: d(2026, 10, 2)}))
	if want := "10-02 07:00; 10-05 07:00; 10-06 07:00; "; got != want {
		t.Errorf("got %s want %s", got, want)
	}
}

func TestQuietHours(t *testing.T) {
	tm := berlin(t)
	cases := []struct {
		at   string // UTC
		ch   Channel
		want string // UTC
	}{
		{"2026-11-24 10:00", Email, "2026-11-24 10:00"},  // Tue 11:00 local: fine
		{"2026-11-24 19:30", SMS, "2026-11-25 07:00"},    // Tue 20:30 local → Wed 08:00
		{"2026-11-24 18:59", SMS, "2026-11-24 18:59"},    // 19:59 local: still allowed
		{"2026-11-24 19:00", SMS, "2026-11-25 07:00"},    // 20:00 local: quiet
		{"2026-11-25 05:00", Email, "2026-11-25 07:00"},  // 06:00 local → 08:00 same day
		{"2026-11-28 21:00", Email, "2026-11-30 07:00"},  // Sat 22:00 → Sunday is off → Mon 08:00
		{"2026-11-29 10:00", SMS, "2026-11-30 07:00"},    // Sunday noon → Monday
		{"2026-12-24 21:00", Email, "2026-12-28 07:00"},  // Christmas Eve night → 25, 26 holidays, 27 Sunday → Mon 28
		{"2026-11-29 10:00", Letter, "2026-11-29 10:00"}, // letters are not held back
		{"2026-03-28 21:00", Email, "2026-03-30 06:00"},  // Sat night before spring-forward → Mon 08:00 CEST
		{"2026-10-24 20:00", Email, "2026-10-26 07:00"},  // Sat night before fall-back → Mon 08:00 CET
	}
	for _, c := range cases {
		if got := tm.NextAllowed(utc(c.at), c.ch); !got.Equal(utc(c.want)) {
			t.Errorf("NextAllowed(%s, %s) = %s, want %s", c.at, c.ch, got.Format("2006-01-02 15:04"), c.want)
		}
	}
	// A send time inside quiet hours is refused by Validate, and the
	// schedule still holds email back until the quiet time ends.
	early := *tm
	early.SendAt = 7 * 60
	if err := early.Validate(); err == nil {
		t.Error("send time 07:00 accepted inside quiet hours")
	}
	if err := tm.Validate(); err != nil {
		t.Error(err)
	}
	p := standard()
	steps := early.Schedule(nil, &p, &Invoice{DueDate: d(2026, 11, 25)})
	if got := steps[0].At.In(tm.Location).Format("15:04"); got != "08:00" {
		t.Errorf("email at %s, want 08:00", got)
	}
	if got := steps[4].At.In(tm.Location).Format("15:04"); got != "07:00" { // the final notice is a letter
		t.Errorf("letter at %s, want 07:00", got)
	}
}

func TestLocalTimeInGap(t *testing.T) {
	// Spring-forward days: the local clock skips 02:00–03:00 (Lord Howe:
	// 02:00–02:30). A send time in the gap goes out just after it, on the
	// same day, never before the asked-for clock time.
	p := Policy{Key: "p", Name: "p", Currency: "EUR", Stages: []Stage{{Key: "soft", Kind: Soft, Channel: Email, Tone: Friendly}}}
	for _, c := range []struct {
		zone string
		day  time.Time
		min  int
		want string // local clock
	}{
		{"Europe/Berlin", d(2026, 3, 29), 150, "03:30"},
		{"America/New_York", d(2026, 3, 8), 135, "03:15"},
		{"Pacific/Auckland", d(2026, 9, 27), 120, "03:00"},
		{"Australia/Lord_Howe", d(2026, 10, 4), 135, "02:45"},
		{"Europe/Berlin", d(2026, 10, 25), 150, "02:30"}, // the overlap: 02:30 exists (twice)
		{"Europe/Berlin", d(2026, 3, 29), 9 * 60, "09:00"},
	} {
		loc := mustLoc(t, c.zone)
		got := civilDay(c.day).at(c.min, loc).In(loc)
		if !d(got.Year(), got.Month(), got.Day()).Equal(c.day) || got.Format("15:04") != c.want {
			t.Errorf("%s %s %02d:%02d = %v, want %s", c.zone, c.day.Format(time.DateOnly), c.min/60, c.min%60, got, c.want)
		}
		tm := &Timing{Location: loc, Calendar: NewCalendar(nil, nil), SendAt: c.min}
		st := tm.Schedule(nil, &p, &Invoice{DueDate: c.day})[0]
		if lt := st.At.In(loc); lt.Format("15:04") != c.want || !st.Date.Equal(c.day) {
			t.Errorf("%s: scheduled %v on %v, want %s", c.zone, lt, st.Date, c.want)
		}
	}
}

var cal, everyDay *Calendar // shared by the random cases

var zones = []string{"Europe/Berlin", "America/New_York", "Pacific/Auckland", "Asia/Kolkata", "UTC", "Australia/Lord_Howe", "America/Sao_Paulo"}

// randomCase draws a timing, policy and invoice. Due dates cluster
// around month ends and the DST switches of the zones.
func randomCase(r *rand.Rand, t testing.TB, policies []Policy) (*Timing, *Policy, Invoice) {
	z := zones[r.IntN(len(zones))]
	if cal == nil {
		cal = GermanCalendar(2019, 2032)
	}
	if everyDay == nil {
		everyDay = NewCalendar(nil, GermanHolidays(2019, 2032))
	}
	tm := &Timing{Location: mustLoc(t, z), Calendar: cal, SendAt: 9 * 60, Quiet: DefaultQuietHours()}
	switch r.IntN(4) {
	case 0:
		tm.SendAt = r.IntN(24 * 60) // anywhere, also inside quiet hours and DST gaps
	case 1:
		tm.Quiet = QuietHours{From: 22 * 60, To: 7 * 60}
	case 2:
		// Weekends are business days and Sundays are not quiet, so stages
		// land on the DST switches (all on Sundays in these zones), at
		// any time of day, gap and overlap included.
		tm.Calendar = everyDay
		tm.Quiet = QuietHours{From: 22 * 60, To: 6 * 60}
		tm.SendAt = 6*60 + r.IntN(16*60)
		if r.IntN(2) == 0 {
			tm.Quiet = QuietHours{}
			tm.SendAt = r.IntN(24 * 60)
		}
	}
	var due time.Time
	switch r.IntN(4) {
	case 0: // a month end
		due = d(2020+r.IntN(10), time.Month(1+r.IntN(12)), 1).AddDate(0, 1, -1-r.IntN(3))
	case 1: // near a DST switch (March/April, September/October/November)
		m := []time.Month{3, 4, 9, 10, 11}[r.IntN(5)]
		due = d(2020+r.IntN(10), m, 1).AddDate(0, 0, r.IntN(30)-14)
	default:
		due = d(2020, 1, 1).AddDate(0, 0, r.IntN(10*365))
	}
	p := &policies[r.IntN(len(policies))]
	inv := Invoice{DebtorID: r.Int64N(1 << 40), DueDate: due}
	if r.IntN(3) == 0 {
		inv.LagDays = r.IntN(20)
	}
	if r.IntN(3) == 0 {
		inv.PreferredDay = 1 + r.IntN(31)
	}
	return tm, p, inv
}

func testPolicies() []Policy {
	ps := DefaultPolicies("EUR")
	x := standard()
	x.Key = "experiment"
	x.Stages = append([]Stage(nil), x.Stages...)
	x.Stages[2].Experiment = &Experiment{ID: "r1-timing", Variants: []Variant{{Key: "control", Weight: 50}, {Key: "early", Weight: 25, ShiftDays: -3, Channel: SMS}, {Key: "late", Weight: 25, ShiftDays: 3, Tone: Friendly}}}
	return append(ps, x)
}

// Properties of every schedule: stage dates are business days, never
// before their trigger, strictly increasing over the stages not skipped;
// the instant is the date's send time in the creditor's zone or later,
// and outside quiet hours for email and SMS.
func TestScheduleProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 2026))
	policies := testPolicies()
	var buf []Step
	for i := range 20000 {
		tm, p, inv := randomCase(r, t, policies)
		buf = tm.Schedule(buf[:0], p, &inv)
		if len(buf) != len(p.Stages) {
			t.Fatalf("%d steps for %d stages", len(buf), len(p.Stages))
		}
		var prev, prevAt time.Time
		for j, st := range buf {
			fail := func(msg string, args ...any) {
				t.Fatalf("case %d (%s, %s, due %s, lag %d, pref %d) stage %d: %s\n%s", i, tm.Location, p.Key, inv.DueDate.Format(time.DateOnly),
					inv.LagDays, inv.PreferredDay, j, fmt.Sprintf(msg, args...), dates(buf))
			}
			off := p.Stages[j].Offset
			if st.Variant >= 0 {
				off += p.Stages[j].Experiment.Variants[st.Variant].ShiftDays
			}
			if !st.Trigger.Equal(inv.DueDate.AddDate(0, 0, off)) {
				fail("trigger %v", st.Trigger)
			}
			if !tm.Calendar.BusinessDay(st.Date) {
				fail("date %v is not a business day", st.Date)
			}
			if st.Date.Before(st.Trigger) {
				fail("date %v before trigger %v", st.Date, st.Trigger)
			}
			if !st.Skipped {
				if !prev.IsZero() && !st.Date.After(prev) {
					fail("date %v not after the previous stage's %v", st.Date, prev)
				}
				prev = st.Date
				if st.At.Before(prevAt) {
					fail("instant %v before the previous stage's %v", st.At, prevAt)
				}
				prevAt = st.At
			}
			// The instant is on the stage's date or later, and at the send
			// time or later: where DST skips the send time, the local clock
			// reads later than asked, never earlier.
			lt0 := st.At.In(tm.Location)
			ld := d(lt0.Year(), lt0.Month(), lt0.Day())
			if ld.Before(st.Date) || (ld.Equal(st.Date) && lt0.Hour()*60+lt0.Minute() < tm.SendAt) {
				fail("instant %v (local %v) before %v at %02d:%02d", st.At, lt0, st.Date, tm.SendAt/60, tm.SendAt%60)
			}
			if ld.Equal(st.Date) && !tm.Quiet.quiet(tm.SendAt) && lt0.Hour()*60+lt0.Minute() != tm.SendAt && lt0.Add(-time.Hour).Hour()*60+lt0.Add(-time.Hour).Minute() != tm.SendAt {
				fail("instant %v is not the send time (or an hour after it, in a DST gap)", lt0)
			}
			if st.At.Location() != time.UTC {
				fail("instant not UTC")
			}
			lt := st.At.In(tm.Location)
			if st.Channel != Letter {
				if tm.Quiet.quiet(lt.Hour()*60+lt.Minute()) || (tm.Quiet.Sundays && lt.Weekday() == time.Sunday) ||
					(tm.Quiet.Holidays && tm.Calendar.Holiday(d(lt.Year(), lt.Month(), lt.Day()))) {
					fail("instant %v in quiet time", lt)
				}
			}
			// With the default settings the message goes out on the date
			// itself at exactly 09:00 local, whatever DST does.
			if tm.SendAt == 9*60 && tm.Quiet == DefaultQuietHours() {
				if lt.Format("15:04") != "09:00" || !d(lt.Year(), lt.Month(), lt.Day()).Equal(st.Date) {
					fail("instant %v is not 09:00 local on %v", lt, st.Date)
				}
			}
			if st.Kind.Gentle() == false && st.Skipped {
				fail("a %s stage skipped", st.Kind)
			}
		}
	}
}

// A scheduler walks the clock forward and carries out whatever Due says:
// every stage at most once, in increasing order, never before its
// instant, and — when the scheduler runs often enough — every stage not
// skipped by smart waiting.
func TestDueProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	policies := testPolicies()
	var buf []Step
	for i := range 500 {
		tm, p, inv := randomCase(r, t, policies)
		all := tm.Schedule(nil, p, &inv)
		step := time.Duration(1+r.IntN(3)) * time.Hour
		if r.IntN(4) == 0 {
			step = time.Duration(2+r.IntN(10)) * 24 * time.Hour // a scheduler that is down for days
		}
		var sent []int
		for now := inv.DueDate.AddDate(0, 0, -35); now.Before(inv.DueDate.AddDate(0, 0, 80)); now = now.Add(step) {
			s, ok := tm.Due(p, &inv, now, buf)
			if !ok {
				continue
			}
			if s.Index < inv.Next || s.Skipped || s.At.After(now) {
				t.Fatalf("case %d: Due(%v, next %d) = %+v", i, now, inv.Next, s)
			}
			for j := s.Index + 1; j < len(all); j++ {
				if !all[j].Skipped && !all[j].At.After(now) {
					t.Fatalf("case %d: Due gave %d while %d is due too", i, s.Index, j)
				}
			}
			sent = append(sent, s.Index)
			inv.Next = s.Index + 1
		}
		for k := 1; k < len(sent); k++ {
			if sent[k] <= sent[k-1] {
				t.Fatalf("case %d: sent %v", i, sent)
			}
		}
		if step <= 3*time.Hour {
			want := 0
			for _, st := range all {
				if !st.Skipped {
					want++
				}
			}
			if len(sent) != want {
				t.Fatalf("case %d (%s): sent %v, want every one of %s", i, p.Key, sent, dates(all))
			}
		}
	}
}

func TestDueExamples(t *testing.T) {
	tm := berlin(t)
	p := standard()
	inv := Invoice{DueDate: d(2026, 3, 20)}
	cases := []struct {
		now  string
		next int
		want int // -1: nothing
	}{
		{"2026-03-17 07:59", 0, -1}, // a minute before the nudge (08:00Z)
		{"2026-03-17 08:00", 0, 0},
		{"2026-03-20 08:00", 0, 1},  // the nudge was missed: the soft reminder, not both
		{"2026-03-20 08:00", 1, 1},  //
		{"2026-03-20 08:00", 2, -1}, // soft done: nothing until the 27th
		{"2026-04-20 12:00", 2, 4},  // long outage: the final notice, reminders passed over
		{"2026-06-01 12:00", 6, -1}, // everything done
		{"2026-06-01 12:00", 5, 5},  // hand-over
		{"2026-01-01 12:00", 3, -1}, // the fast exit
	}
	for _, c := range cases {
		inv.Next = c.next
		s, ok := tm.Due(&p, &inv, utc(c.now), nil)
		got := -1
		if ok {
			got = s.Index
		}
		if got != c.want {
			t.Errorf("Due(%s, next %d) = %d, want %d", c.now, c.next, got, c.want)
		}
	}
}

// BenchmarkStageDue is the per-invoice cost of deciding what is due: the
// engine must evaluate 1,000,000 invoices in under 60 s (60 µs each on
// one core). Half the invoices have something due, half hit the fast
// exit, a third are in an experiment.
func BenchmarkStageDue(b *testing.B) {
	tm := berlin(b)
	policies := testPolicies()
	r := rand.New(rand.NewPCG(1, 1))
	invs := make([]Invoice, 1024)
	for i := range invs {
		invs[i] = Invoice{DebtorID: int64(i), DueDate: d(2026, 1, 1).AddDate(0, 0, r.IntN(300)), Next: r.IntN(4)}
		if i%3 == 0 {
			invs[i].LagDays = 4
			invs[i].PreferredDay = 25
		}
	}
	now := utc("2026-06-15 09:00")
	buf := make([]Step, 0, MaxStages)
	due := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		inv := &invs[i%len(invs)]
		if _, ok := tm.Due(&policies[i%len(policies)], inv, now, buf); ok {
			due++
		}
	}
	_ = due
}

// BenchmarkSchedule is the full schedule of one invoice (every stage's
// date and instant), without the fast exit.
func BenchmarkSchedule(b *testing.B) {
	tm := berlin(b)
	p := standard()
	buf := make([]Step, 0, MaxStages)
	inv := Invoice{DebtorID: 42, DueDate: d(2026, 3, 20), LagDays: 3, PreferredDay: 25}
	b.ReportAllocs()
	for b.Loop() {
		buf = tm.Schedule(buf[:0], &p, &inv)
	}
}

func TestTimingFor(t *testing.T) {
	tm, err := TimingFor("Europe/Berlin", 2026, 2027)
	if err != nil || tm.Validate() != nil || tm.SendAt != 540 {
		t.Fatalf("%+v %v", tm, err)
	}
	for _, z := range []string{"", "Mars/Olympus"} {
		if _, err := TimingFor(z, 2026, 2027); err == nil {
			t.Errorf("zone %q accepted", z)
		}
	}
}
