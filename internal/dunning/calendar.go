package dunning

import (
	"sort"
	"time"
)

// Calendar says which days are business days: not a weekend day and not
// on the holiday list. The zero Calendar has no business days off at all
// (every day counts); use NewCalendar.
type Calendar struct {
	weekend  [7]bool
	holidays map[day]struct{}
}

// NewCalendar builds a calendar from the weekend days and a list of
// holidays (civil dates; the time of day and location are ignored, only
// the calendar date counts).
func NewCalendar(weekend []time.Weekday, holidays []time.Time) *Calendar {
	c := &Calendar{holidays: make(map[day]struct{}, len(holidays))}
	for _, w := range weekend {
		c.weekend[w] = true
	}
	for _, h := range holidays {
		c.holidays[civilDay(h)] = struct{}{}
	}
	return c
}

// GermanCalendar is Saturday and Sunday off plus Germany's national
// holidays for the years from…to (inclusive). Regional holidays (e.g.
// Fronleichnam, Reformationstag in some Länder) are for the creditor to
// add: NewCalendar with GermanHolidays and their own list.
func GermanCalendar(from, to int) *Calendar {
	return NewCalendar([]time.Weekday{time.Saturday, time.Sunday}, GermanHolidays(from, to))
}

// Weekend reports whether w is a day off every week.
func (c *Calendar) Weekend(w time.Weekday) bool { return c.weekend[w] }

// Holiday reports whether the civil date d is on the holiday list.
func (c *Calendar) Holiday(d time.Time) bool { return c.holiday(civilDay(d)) }

func (c *Calendar) holiday(n day) bool {
	_, ok := c.holidays[n]
	return ok
}

// Holidays lists the holiday dates in order (civil dates, midnight UTC).
func (c *Calendar) Holidays() []time.Time {
	out := make([]time.Time, 0, len(c.holidays))
	for n := range c.holidays {
		out = append(out, n.Time())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}

// BusinessDay reports whether the civil date d is a business day.
func (c *Calendar) BusinessDay(d time.Time) bool { return c.business(civilDay(d)) }

func (c *Calendar) business(n day) bool {
	return !c.weekend[n.weekday()] && !c.holiday(n)
}

// NextBusinessDay is d itself when it is a business day, else the next
// business day after it (civil dates).
func (c *Calendar) NextBusinessDay(d time.Time) time.Time {
	return c.nextBusiness(civilDay(d)).Time()
}

// nextBusiness is n or the first business day after it. A calendar
// without any business day in a year (misconfigured) gives up after 366
// days and returns n: dates never go backwards, but nor do they run away.
func (c *Calendar) nextBusiness(n day) day {
	for i := day(0); i < 366; i++ {
		if c.business(n + i) {
			return n + i
		}
	}
	return n
}

// GermanHolidays are the nine national public holidays of Germany
// (bundeseinheitliche Feiertage) for the years from…to: Neujahr,
// Karfreitag, Ostermontag, Tag der Arbeit, Christi Himmelfahrt,
// Pfingstmontag, Tag der Deutschen Einheit and the two Christmas days.
// (Reformationstag was national once, in 2017 only; it is not included.)
func GermanHolidays(from, to int) []time.Time {
	var out []time.Time
	for y := from; y <= to; y++ {
		e := easter(y)
		for _, n := range []day{
			dayOf(y, 1, 1),
			e - 2, // Karfreitag
			e + 1, // Ostermontag
			dayOf(y, 5, 1),
			e + 39, // Christi Himmelfahrt
			e + 50, // Pfingstmontag
			dayOf(y, 10, 3),
			dayOf(y, 12, 25),
			dayOf(y, 12, 26),
		} {
			out = append(out, n.Time())
		}
	}
	return out
}

// easter is Easter Sunday of the Gregorian calendar (the anonymous
// Gregorian algorithm, "Meeus/Jones/Butcher").
func easter(y int) day {
	a := y % 19
	b, c := y/100, y%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	dd := (h+l-7*m+114)%31 + 1
	return dayOf(y, time.Month(month), dd)
}
