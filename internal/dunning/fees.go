package dunning

import (
	"math/big"
	"time"
)

// FeeRules are a creditor's settings for what dunning may cost the
// debtor, within German law (BGB):
//
//   - No fee for the first reminder: it is the Mahnung that puts the
//     debtor in default (§ 286 (1)), and only the damage caused by the
//     default (§§ 280, 286) can be claimed — sending the first reminder
//     is not such damage.
//   - Consumers: each later reminder costs the stage's fee, capped at
//     ConsumerFeeCapMinor (courts accept a flat of a few euros as the
//     creditor's real cost of a reminder; 2.50 EUR by default).
//   - Businesses: the flat fee of § 288 (5) (40 EUR) once per invoice
//     once the debtor is in default, charged with the first reminder after
//     the first one. Reminder fees are costs of pursuing the claim and so
//     are credited against the flat (§ 288 (5) sentence 3): a business pays
//     the larger of the flat and the sum of the reminder fees, never both.
//   - Default interest (§ 288 (1), (2)): the base rate (§ 247) plus 5
//     points for consumers, plus 9 points when no consumer is involved.
type FeeRules struct {
	ChargeFees          bool  // reminder fees at all (the flat below is a claim of its own)
	ConsumerFeeCapMinor int64 // at most this per reminder for consumers
	BusinessFlatMinor   int64 // § 288 (5) BGB, claimed even when ChargeFees is off; 0: waived
	ChargeInterest      bool
	ConsumerPointsBP    int // basis points above the base rate: 500
	BusinessPointsBP    int // 900
	Rates               []BaseRate
}

// DefaultFeeRules: fees and interest as the law allows, 2.50 EUR cap for
// consumers, 40 EUR flat for businesses, the Bundesbank's base rates.
func DefaultFeeRules() FeeRules {
	return FeeRules{ChargeFees: true, ConsumerFeeCapMinor: 250, BusinessFlatMinor: 4000,
		ChargeInterest: true, ConsumerPointsBP: 500, BusinessPointsBP: 900, Rates: Basiszinssatz}
}

// FeeInput describes the reminder about to be sent for one invoice.
type FeeInput struct {
	DebtorKind    string // Consumer or Business
	Number        int    // 1-based: this is the n-th Reminder/Final stage sent for the invoice
	StageFeeMinor int64  // the stage's FeeMinor
	// CostsBeforeMinor is the sum of the stage fees of the earlier
	// reminders (numbers 2…n−1) of this invoice; ChargedBeforeMinor what
	// was actually charged for them (with the flat). Both 0 for the
	// first and second reminder.
	CostsBeforeMinor   int64
	ChargedBeforeMinor int64
}

// FeeCharge is what to book with a reminder.
type FeeCharge struct {
	ReminderMinor int64 // the reminder fee
	FlatMinor     int64 // the § 288 (5) flat (businesses, once per invoice)
}

// Total is everything charged.
func (c FeeCharge) Total() int64 { return c.ReminderMinor + c.FlatMinor }

// Fee is what a reminder costs the debtor under the rules.
func (r FeeRules) Fee(in FeeInput) FeeCharge {
	if in.Number <= 1 {
		return FeeCharge{}
	}
	fee := max(in.StageFeeMinor, 0)
	if !r.ChargeFees {
		fee = 0
	}
	if in.DebtorKind != Business {
		return FeeCharge{ReminderMinor: min(fee, max(r.ConsumerFeeCapMinor, 0))}
	}
	flat := max(r.BusinessFlatMinor, 0)
	costs := in.CostsBeforeMinor + fee
	owed := max(flat, costs) - in.ChargedBeforeMinor // everything up to now, less what was charged
	if owed <= 0 {
		return FeeCharge{}
	}
	// The flat part is what of the flat has not been charged yet.
	flatPart := min(owed, max(flat-in.ChargedBeforeMinor, 0))
	return FeeCharge{ReminderMinor: owed - flatPart, FlatMinor: flatPart}
}

// BaseRate is the Basiszinssatz (§ 247 BGB) from a date on, in basis
// points (1.27 % is 127; it can be negative).
type BaseRate struct {
	From time.Time // civil date
	BP   int
}

// Basiszinssatz is the base rate of § 247 BGB as published by the
// Deutsche Bundesbank; it changes on 1 January and 1 July. Data, not
// code: add a line when the Bundesbank announces the next value (end of
// June and end of December).
//
// Sources (checked 2026-11-23): -0.88 % from 1 July 2016 and 1.62 % from
// 1 January 2023 (stb-bruns.com, "Basiszinssatz wurde angepasst"); 1.27 %
// from 1 July 2025 (malerblog.net, "Verzugszinssätze sinken zum 1. Juli
// 2025", which also gives 6.27 % / 10.27 % as the consumer / business
// default rates, i.e. +5 and +9 points); 1.27 % unchanged from 1 January
// 2026 (finanzmarktnachrichten.de and digitalverkehr.com, citing the
// Bundesbank's announcement of 22/24 December 2025). The values for July
// 2023 – January 2025 (3.12, 3.62, 3.37, 2.27) are the Bundesbank's as
// known to the team; they are consistent with the ECB's main refinancing
// rate moves and with the sourced figures either side, but were not
// re-checked against a page here. The value from 1 July 2026 was not
// found: BasiszinssatzKnownThrough marks where the table ends, and the
// last value (1.27 %) is carried forward explicitly after it.
var Basiszinssatz = []BaseRate{
	{civil(2016, 7, 1), -88},
	{civil(2023, 1, 1), 162},
	{civil(2023, 7, 1), 312},
	{civil(2024, 1, 1), 362},
	{civil(2024, 7, 1), 337},
	{civil(2025, 1, 1), 227},
	{civil(2025, 7, 1), 127},
	{civil(2026, 1, 1), 127},
}

// BasiszinssatzKnownThrough is the last day the table is known to be
// right. Later days use the last value; the engine should warn staff
// (and someone should add the new rate) when it computes past this day.
var BasiszinssatzKnownThrough = civil(2026, 6, 30)

func civil(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// RateAt is the base rate in effect on civil date d (the last entry from
// on or before d; 0 before the table starts).
func RateAt(rates []BaseRate, d time.Time) int {
	bp := 0
	n := civilDay(d)
	for _, r := range rates {
		if civilDay(r.From) > n {
			break
		}
		bp = r.BP
	}
	return bp
}

// InterestPeriod is a run of days at one rate.
type InterestPeriod struct {
	From, To time.Time // civil, both inclusive
	Days     int
	RateBP   int // the default rate: base + points
}

// Interest is default interest and how it was computed.
type Interest struct {
	Minor   int64
	Periods []InterestPeriod
	// Estimated is set when days after BasiszinssatzKnownThrough were
	// charged at the carried-forward rate.
	Estimated bool
}

// DefaultInterest is the default interest on principal (minor units) for
// a debtor of the kind, from the day after default began until the day
// `until` (both civil dates; until inclusive): § 187 (1) BGB, the day of
// the event that starts the default does not count.
//
// Convention: actual/365 — every calendar day counts, the year has 365
// days also in leap years; each day at the rate in effect that day (base
// rate + points), so a period that crosses 1 January or 1 July is split.
// Rounding: the exact sum over all periods,
// Σ principal × rate_bp × days / (10000 × 365), is rounded once, to the
// cent (minor unit), half up — as internal/ar rounds plan interest.
func (r FeeRules) DefaultInterest(principal int64, kind string, defaultBegan, until time.Time) Interest {
	var out Interest
	if !r.ChargeInterest || principal <= 0 {
		return out
	}
	points := r.ConsumerPointsBP
	if kind == Business {
		points = r.BusinessPointsBP
	}
	first, last := civilDay(defaultBegan)+1, civilDay(until)
	if last < first {
		return out
	}
	known := civilDay(BasiszinssatzKnownThrough)
	num := new(big.Int)
	for d := first; d <= last; {
		rate := max(RateAt(r.Rates, d.Time())+points, 0)
		end := last
		for _, br := range r.Rates { // the period ends the day before the next change
			if c := civilDay(br.From); c > d && c-1 < end {
				end = c - 1
			}
		}
		days := int(end-d) + 1
		out.Periods = append(out.Periods, InterestPeriod{From: d.Time(), To: end.Time(), Days: days, RateBP: rate})
		term := new(big.Int).SetInt64(principal)
		term.Mul(term, big.NewInt(int64(rate)*int64(days)))
		num.Add(num, term)
		if end > known {
			out.Estimated = true
		}
		d = end + 1
	}
	den := big.NewInt(10000 * 365)
	// half up: floor((2·num + den) / (2·den)) for num ≥ 0.
	num.Mul(num, big.NewInt(2)).Add(num, den)
	num.Quo(num, den.Mul(den, big.NewInt(2)))
	out.Minor = num.Int64()
	return out
}

// How default begins (§ 286 BGB), as the creditor configures it.
const (
	// DefaultByReminder: on the day the first reminder reaches the
	// debtor (§ 286 (1)).
	DefaultByReminder = "reminder"
	// DefaultByCalendar: the invoice names a calendar date for payment, so
	// the debtor is in default when that day passes (§ 286 (2) no. 1);
	// the due date is the day of the event.
	DefaultByCalendar = "calendar"
)

// DefaultBegan is the day of the event that puts the debtor in default
// (interest runs from the next day): the due date for DefaultByCalendar;
// for DefaultByReminder the day the first reminder was sent plus the
// days it takes to arrive (deliveryDays: e.g. 0 for email, 3 for a
// letter), false while no reminder has been sent.
func DefaultBegan(mode string, due time.Time, firstReminder *time.Time, deliveryDays int) (time.Time, bool) {
	if mode == DefaultByCalendar {
		return civilDay(due).Time(), true
	}
	if firstReminder == nil {
		return time.Time{}, false
	}
	return (civilDay(*firstReminder) + day(max(deliveryDays, 0))).Time(), true
}
