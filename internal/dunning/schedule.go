package dunning

import (
	"time"

	"github.com/settle/settle/internal/ar"
)

// QuietHours is when no email or SMS goes out (letters are posted by a
// print service and are not affected): every night from From until To,
// local time in the creditor's zone, and, if set, all day on Sundays and
// on the calendar's holidays.
type QuietHours struct {
	From, To int  // minutes after local midnight; From > To wraps midnight (20:00–08:00); From == To: no quiet time at night
	Sundays  bool // no messages on Sundays
	Holidays bool // no messages on the calendar's holidays
}

// DefaultQuietHours: nothing between 20:00 and 08:00, nothing on Sundays
// and holidays.
func DefaultQuietHours() QuietHours {
	return QuietHours{From: 20 * 60, To: 8 * 60, Sundays: true, Holidays: true}
}

// quiet reports whether minute-of-day m is in the nightly quiet time.
func (q QuietHours) quiet(m int) bool {
	switch {
	case q.From == q.To:
		return false
	case q.From < q.To:
		return m >= q.From && m < q.To
	default:
		return m >= q.From || m < q.To
	}
}

// Timing is a creditor's dunning clock: their time zone, business
// calendar, the local time messages go out and the quiet hours. Build it
// once per creditor (loading a time zone and a holiday list is not free)
// and share it: it is read-only.
type Timing struct {
	Location *time.Location
	Calendar *Calendar
	SendAt   int // minutes after local midnight a stage goes out; 9:00 is 540
	Quiet    QuietHours
}

// DefaultTiming is Europe/Berlin-style timing in loc: German national
// holidays for the years from…to, messages at 09:00, default quiet hours.
func DefaultTiming(loc *time.Location, from, to int) *Timing {
	return &Timing{Location: loc, Calendar: GermanCalendar(from, to), SendAt: 9 * 60, Quiet: DefaultQuietHours()}
}

// TimingFor is the default timing (see DefaultTiming) in the named IANA
// time zone, or a field error for an unknown zone.
func TimingFor(zone string, from, to int) (*Timing, error) {
	loc, err := time.LoadLocation(zone)
	if err != nil || zone == "" {
		return nil, ar.FieldError("timezone", "error.dunning.timezone", nil)
	}
	return DefaultTiming(loc, from, to), nil
}

// Validate checks the timing settings.
func (t *Timing) Validate() error {
	var v ar.Invalids
	if t.Location == nil {
		v.Add("timezone", "error.dunning.timezone", nil)
	}
	if t.SendAt < 0 || t.SendAt >= 24*60 {
		v.Add("send_at", "error.dunning.send_time", nil)
	}
	if t.Quiet.From < 0 || t.Quiet.From >= 24*60 || t.Quiet.To < 0 || t.Quiet.To >= 24*60 {
		v.Add("quiet", "error.dunning.quiet_hours", nil)
	} else if t.Quiet.quiet(t.SendAt) {
		v.Add("send_at", "error.dunning.send_time_quiet", nil)
	}
	if t.Calendar == nil {
		v.Add("calendar", "error.dunning.calendar", nil)
	}
	return v.Err()
}

// NextAllowed is the first instant at or after at when a message by
// channel c may go out: at itself outside quiet hours (and always for
// letters), else the end of the quiet time (To, local), skipping Sundays
// and holidays as configured. The result is in UTC. Preferred counts as
// email or SMS (it may resolve to either), so it is held back too.
func (t *Timing) NextAllowed(at time.Time, c Channel) time.Time {
	if c == Letter {
		return at.UTC()
	}
	for range 30 { // a calendar never blocks a month; stop rather than spin
		lt := at.In(t.Location)
		n := civilDay(lt)
		if (t.Quiet.Sundays && n.weekday() == time.Sunday) || (t.Quiet.Holidays && t.Calendar.holiday(n)) {
			at = (n + 1).at(t.Quiet.To, t.Location)
			if t.Quiet.From == t.Quiet.To {
				at = (n + 1).at(0, t.Location)
			}
			continue
		}
		m := lt.Hour()*60 + lt.Minute()
		if !t.Quiet.quiet(m) {
			return at.UTC()
		}
		if t.Quiet.From > t.Quiet.To && m >= t.Quiet.From {
			at = (n + 1).at(t.Quiet.To, t.Location)
		} else {
			at = n.at(t.Quiet.To, t.Location)
		}
	}
	return at.UTC()
}

// Smart waiting limits.
const (
	// MaxLagDays caps a debtor's usual payment lag: however late someone
	// habitually pays, gentle stages wait at most two weeks.
	MaxLagDays = 14
	// PreferredWindow is how many days a stage may wait for the debtor's
	// preferred day of the month.
	PreferredWindow = 5
)

// Invoice is what the calculator needs to know about one open invoice
// and its debtor. The engine fills it from one row of a set-based query.
type Invoice struct {
	DebtorID int64
	DueDate  time.Time // civil date (midnight UTC, see internal/ar)
	// Next is the index of the first stage not yet done: stages before it
	// were sent or passed over, and are never considered again.
	Next int
	// PreferredDay is the day of the month the debtor prefers to be
	// reminded (their payday; 1–31, the month's last day when the month
	// is shorter), 0 for none.
	PreferredDay int
	// LagDays is the debtor's usual payment lag: they reliably pay within
	// this many days after the due date (0 for none or unknown).
	LagDays int
}

// Step is one stage as it applies to one invoice.
type Step struct {
	Index     int       // of the stage in the policy
	Variant   int       // index of the experiment variant, -1 without experiment
	Kind      Kind      //
	Channel   Channel   // the stage's, or the variant's
	Fallbacks []Channel //
	Tone      Tone      //
	Trigger   time.Time // civil: due date + offset (+ the variant's shift)
	Date      time.Time // civil: the business day the stage goes out
	At        time.Time // the instant (UTC) it goes out: Date at SendAt local time, out of quiet hours
	Skipped   bool      // smart waiting passes this stage over
}

// Schedule appends to dst the steps of policy p for an invoice, one per
// stage, in stage order (pass a reused slice to avoid allocations). The
// rules, in order of application:
//
//  1. Trigger: due date + the stage's offset, plus the timing shift of
//     the debtor's experiment variant. Days are added to the civil date,
//     so month ends and leap days need no care (Jan 31 + 28 = Feb 28 in a
//     common year).
//  2. Smart waiting (gentle stages only): with a usual payment lag L (at
//     most MaxLagDays), a nudge before the due date is skipped (its text
//     speaks of a coming due date, and the debtor will pay in time
//     anyway); a soft reminder whose date is within the lag moves to the
//     day after it (due + L + 1) and is skipped if that reaches the
//     trigger of the next stage. Reminders, the final notice and the
//     hand-over never move for the lag: their dates are the creditor's
//     legal timeline.
//  3. Preferred day (soft stages and reminders): a stage waits for the
//     debtor's preferred day of the month when it comes within
//     PreferredWindow days.
//  4. Business day: a date on a weekend day or holiday moves to the next
//     business day.
//  5. Order: a stage never falls on or before the day of the stage
//     before it (not skipped); it moves to the next business day after.
//  6. Instant: the date at SendAt local time in the creditor's zone,
//     converted to UTC (DST-correct), then moved out of quiet hours for
//     email and SMS.
//
// Every rule moves dates forward only, so no stage goes out before its
// trigger.
func (t *Timing) Schedule(dst []Step, p *Policy, inv *Invoice) []Step {
	due := civilDay(inv.DueDate)
	base := len(dst)
	for i := range p.Stages {
		s := &p.Stages[i]
		st := Step{Index: i, Variant: -1, Kind: s.Kind, Channel: s.Channel, Fallbacks: s.Fallbacks, Tone: s.Tone}
		off := s.Offset
		if s.Experiment != nil {
			if vi := Assign(s.Experiment, inv.DebtorID); vi >= 0 {
				va := &s.Experiment.Variants[vi]
				st.Variant = vi
				off += va.ShiftDays
				if va.Tone != "" {
					st.Tone = va.Tone
				}
				if va.Channel != "" && va.Channel != s.Channel {
					st.Channel, st.Fallbacks = va.Channel, nil
				}
			}
		}
		st.Trigger = (due + day(off)).Time()
		dst = append(dst, st)
	}
	steps := dst[base:]
	lag := day(min(max(inv.LagDays, 0), MaxLagDays))
	prev := day(-1 << 30)
	for i := range steps {
		st := &steps[i]
		trig := civilDay(st.Trigger)
		d := trig
		if lag > 0 && st.Kind.Gentle() && d <= due+lag {
			switch st.Kind {
			case Nudge:
				st.Skipped = true
			case Soft:
				d = due + lag + 1
				if i+1 < len(steps) && civilDay(steps[i+1].Trigger) <= d {
					st.Skipped = true
				}
			}
		}
		if inv.PreferredDay > 0 && (st.Kind == Soft || st.Kind == Reminder) {
			d = towardPreferred(d, inv.PreferredDay)
		}
		d = t.Calendar.nextBusiness(d)
		if d <= prev {
			d = t.Calendar.nextBusiness(prev + 1)
		}
		if !st.Skipped {
			prev = d
		}
		st.Date = d.Time()
		st.At = t.NextAllowed(d.at(t.SendAt, t.Location), st.Channel)
	}
	return dst
}

// towardPreferred moves d forward to the preferred day of the month pd
// (or the month's last day when it is shorter) if that comes within
// PreferredWindow days; else d stays.
func towardPreferred(d day, pd int) day {
	for i := day(0); i <= PreferredWindow; i++ {
		y, m, dd := (d + i).date()
		if dd == min(pd, daysIn(y, m)) {
			return d + i
		}
	}
	return d
}

// Due is the step to carry out now for an invoice, if any: the latest
// stage from inv.Next on whose instant has come and that smart waiting
// does not skip. Stages before inv.Next are never considered (no going
// back, nothing twice); stages between inv.Next and the one returned are
// passed over (an invoice that arrives late, or a scheduler that was
// down, gets the stage that fits today, not a burst of old ones). After
// carrying out step s the engine sets Next to s.Index+1.
//
// buf is scratch space (reuse it across invoices; nil is fine).
func (t *Timing) Due(p *Policy, inv *Invoice, now time.Time, buf []Step) (Step, bool) {
	if inv.Next >= len(p.Stages) {
		return Step{}, false
	}
	// Fast exit: no stage goes out before its trigger day begins, and
	// that day begins nowhere before 10:00 UTC of the day before (UTC+14
	// is the earliest zone), so midnight UTC of trigger − 1 is a safe
	// bound; timing variants shift by at most MaxShiftDays.
	s := &p.Stages[inv.Next]
	earliest := civilDay(inv.DueDate) + day(s.Offset) - 1
	if s.Experiment != nil {
		earliest -= MaxShiftDays
	}
	if now.Before(earliest.Time()) {
		return Step{}, false
	}
	steps := t.Schedule(buf[:0], p, inv)
	best := -1
	for i := inv.Next; i < len(steps); i++ {
		if !steps[i].Skipped && !steps[i].At.After(now) {
			best = i
		}
	}
	if best < 0 {
		return Step{}, false
	}
	return steps[best], true
}
