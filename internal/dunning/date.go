package dunning

import "time"

// day is a civil date as a count of days since 1970-01-01. The calculator
// works on these (plain integers: adding days is addition, month ends and
// leap years take care of themselves) and turns them into instants only at
// the very end, in the creditor's time zone.
type day int32

// dayOf is the day number of a civil date (Howard Hinnant's
// days_from_civil; valid for every proleptic Gregorian date).
func dayOf(y int, m time.Month, d int) day {
	if m <= 2 {
		y--
	}
	era := y
	if era < 0 {
		era -= 399
	}
	era /= 400
	yoe := y - era*400
	mm := int(m)
	if mm > 2 {
		mm -= 3
	} else {
		mm += 9
	}
	doy := (153*mm+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return day(era*146097 + doe - 719468)
}

// civilDay is the calendar day of t as read in t's own location (for
// civil dates held at midnight UTC, as internal/ar keeps them, that is
// the date itself).
func civilDay(t time.Time) day {
	y, m, d := t.Date()
	return dayOf(y, m, d)
}

// date is the civil date of a day number.
func (n day) date() (int, time.Month, int) {
	z := int(n) + 719468
	era := z
	if era < 0 {
		era -= 146096
	}
	era /= 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if mp >= 10 {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return y, time.Month(m), d
}

// Time is the day as a civil date: midnight UTC, the convention of
// internal/ar.
func (n day) Time() time.Time {
	y, m, d := n.date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// weekday of the day (1970-01-01 was a Thursday).
func (n day) weekday() time.Weekday {
	return time.Weekday(((int(n)+4)%7 + 7) % 7)
}

// daysIn is the number of days of a month.
func daysIn(y int, m time.Month) int {
	if m == 12 {
		return int(dayOf(y+1, 1, 1) - dayOf(y, 12, 1))
	}
	return int(dayOf(y, m+1, 1) - dayOf(y, m, 1))
}

// at is the instant of minute-of-day min on day n in loc. Where the
// local clock skips that minute (the spring-forward gap, e.g. 02:30 on
// the last Sunday of March in Berlin), the result is the first instant
// after the gap with the same offset from midnight, so it is never
// earlier than asked for.
func (n day) at(min int, loc *time.Location) time.Time {
	y, m, d := n.date()
	t := time.Date(y, m, d, min/60, min%60, 0, 0, loc)
	if lt := t.In(loc); lt.Hour()*60+lt.Minute() < min && civilDay(lt) == n {
		// time.Date chose the offset before the gap: move past it.
		_, off := t.Zone()
		_, off2 := t.Add(3 * time.Hour).Zone()
		t = t.Add(time.Duration(off2-off) * time.Second)
	}
	return t
}
