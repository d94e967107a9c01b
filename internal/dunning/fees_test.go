package dunning

import (
	"testing"
	"time"
)

func TestReminderFee(t *testing.T) {
	r := DefaultFeeRules()
	noFees := r
	noFees.ChargeFees = false
	noFlat := r
	noFlat.BusinessFlatMinor = 0
	cases := []struct {
		name  string
		rules FeeRules
		in    FeeInput
		want  FeeCharge
	}{
		{"consumer first reminder is free", r, FeeInput{DebtorKind: Consumer, Number: 1, StageFeeMinor: 250}, FeeCharge{}},
		{"consumer second", r, FeeInput{DebtorKind: Consumer, Number: 2, StageFeeMinor: 250}, FeeCharge{ReminderMinor: 250}},
		{"consumer capped at 2.50", r, FeeInput{DebtorKind: Consumer, Number: 3, StageFeeMinor: 500}, FeeCharge{ReminderMinor: 250}},
		{"consumer below cap", r, FeeInput{DebtorKind: Consumer, Number: 3, StageFeeMinor: 120}, FeeCharge{ReminderMinor: 120}},
		{"consumer fees off", noFees, FeeInput{DebtorKind: Consumer, Number: 2, StageFeeMinor: 250}, FeeCharge{}},
		{"business first reminder is free", r, FeeInput{DebtorKind: Business, Number: 1, StageFeeMinor: 250}, FeeCharge{}},
		// The flat (40 EUR) comes with the second reminder; its own 2.50
		// is credited against it (§ 288 (5) sentence 3).
		{"business flat once", r, FeeInput{DebtorKind: Business, Number: 2, StageFeeMinor: 250}, FeeCharge{FlatMinor: 4000}},
		// Third reminder: costs 2.50 + 2.50 = 5.00 ≤ 40.00 charged: nothing.
		{"business no second flat", r, FeeInput{DebtorKind: Business, Number: 3, StageFeeMinor: 250, CostsBeforeMinor: 250, ChargedBeforeMinor: 4000}, FeeCharge{}},
		// Costs beyond the flat: 39.00 + 2.50 = 41.50; 40.00 charged → 1.50.
		{"business costs beyond the flat", r, FeeInput{DebtorKind: Business, Number: 5, StageFeeMinor: 250, CostsBeforeMinor: 3900, ChargedBeforeMinor: 4000}, FeeCharge{ReminderMinor: 150}},
		// Flat even with fees off: it is a legal claim of its own.
		{"business flat without fees", noFees, FeeInput{DebtorKind: Business, Number: 2, StageFeeMinor: 250}, FeeCharge{FlatMinor: 4000}},
		{"business without flat", noFlat, FeeInput{DebtorKind: Business, Number: 2, StageFeeMinor: 250}, FeeCharge{ReminderMinor: 250}},
		{"business without flat, later", noFlat, FeeInput{DebtorKind: Business, Number: 3, StageFeeMinor: 500, CostsBeforeMinor: 250, ChargedBeforeMinor: 250}, FeeCharge{ReminderMinor: 500}},
	}
	for _, c := range cases {
		if got := c.rules.Fee(c.in); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
	// Property: for a business the total over a whole run of reminders is
	// max(flat, the sum of the fees from the second reminder on).
	for _, fees := range [][]int64{{0, 250, 250, 250}, {0, 2000, 2000, 2000}, {0, 0, 0}, {0, 5000}} {
		var costs, charged int64
		for n, f := range fees {
			c := r.Fee(FeeInput{DebtorKind: Business, Number: n + 1, StageFeeMinor: f, CostsBeforeMinor: costs, ChargedBeforeMinor: charged})
			charged += c.Total()
			if n > 0 {
				costs += f
			}
		}
		if want := max(4000, costs); charged != want {
			t.Errorf("fees %v: charged %d, want %d", fees, charged, want)
		}
	}
}

func TestRateAt(t *testing.T) {
	for _, c := range []struct {
		day  time.Time
		want int
	}{
		{d(2016, 6, 30), 0}, {d(2016, 7, 1), -88}, {d(2022, 12, 31), -88}, {d(2023, 1, 1), 162},
		{d(2023, 7, 1), 312}, {d(2024, 1, 1), 362}, {d(2024, 6, 30), 362}, {d(2024, 7, 1), 337},
		{d(2025, 1, 1), 227}, {d(2025, 7, 1), 127}, {d(2026, 1, 1), 127}, {d(2026, 11, 23), 127}, {d(2030, 1, 1), 127},
	} {
		if got := RateAt(Basiszinssatz, c.day); got != c.want {
			t.Errorf("RateAt(%s) = %d, want %d", c.day.Format(time.DateOnly), got, c.want)
		}
	}
	// The table is in date order and every change is on 1 January or 1 July.
	for i, r := range Basiszinssatz {
		if r.From.Day() != 1 || (r.From.Month() != 1 && r.From.Month() != 7) || (i > 0 && !r.From.After(Basiszinssatz[i-1].From)) {
			t.Errorf("entry %d: %v", i, r.From)
		}
	}
}

// Worked examples, computed by hand: interest = principal × rate × days /
// 365, rate = base + 5 points (consumer) or + 9 (business), days from the
// day after default began to `until` inclusive, rounded once, half up.
func TestDefaultInterest(t *testing.T) {
	r := DefaultFeeRules()
	zero := r
	zero.Rates = []BaseRate{{d(2020, 1, 1), 0}}
	cases := []struct {
		name          string
		rules         FeeRules
		principal     int64
		kind          string
		began, until  time.Time
		want          int64
		periods       int
		wantEstimated bool
	}{
		// 1,000.00 EUR, consumer, default began 31 Jan 2025: 1 Feb – 1 Mar
		// = 28 + 1 = 29 days at 2.27 + 5 = 7.27 %:
		// 100000 × 0.0727 × 29 / 365 = 577.616… → 578 (5.78 EUR).
		{"consumer one period", r, 100000, Consumer, d(2025, 1, 31), d(2025, 3, 1), 578, 1, false},
		// 5,000.00 EUR, business, began 15 Jun 2025, until 15 Jul 2025:
		// 16–30 Jun = 15 days at 2.27 + 9 = 11.27 %, 1–15 Jul = 15 days at
		// 1.27 + 9 = 10.27 %: 500000 × (0.1127 × 15 + 0.1027 × 15) / 365 =
		// 500000 × 3.231 / 365 = 4426.027… → 4426 (44.26 EUR).
		{"business across 1 July", r, 500000, Business, d(2025, 6, 15), d(2025, 7, 15), 4426, 2, false},
		// 200.00 EUR, consumer, began 21 Dec 2023, until 10 Jan 2024:
		// 22–31 Dec = 10 days at 3.12 + 5 = 8.12 %, 1–10 Jan = 10 days at
		// 3.62 + 5 = 8.62 %: 20000 × (0.812 + 0.862) / 365 = 91.726… → 92.
		{"consumer across the year end", r, 20000, Consumer, d(2023, 12, 21), d(2024, 1, 10), 92, 2, false},
		// Leap year: 1,000.00 EUR, consumer, began 27 Feb 2024 until 1 Mar
		// 2024 = 28 Feb, 29 Feb, 1 Mar = 3 days at 8.62 %, still /365:
		// 100000 × 0.0862 × 3 / 365 = 70.849… → 71.
		{"leap day counts, year of 365", r, 100000, Consumer, d(2024, 2, 27), d(2024, 3, 1), 71, 1, false},
		// Half up: 3.65 EUR at 5 % for 10 days = 365 × 0.05 × 10 / 365 =
		// exactly 0.5 cent → 1 (half-even would give 0).
		{"half up", zero, 365, Consumer, d(2025, 1, 1), d(2025, 1, 11), 1, 1, false},
		// 1.5 → 2 both ways; 0.4999… → 0.
		{"one and a half", zero, 365, Consumer, d(2025, 1, 1), d(2025, 1, 31), 2, 1, false},
		{"just below half", zero, 364, Consumer, d(2025, 1, 1), d(2025, 1, 11), 0, 1, false},
		// Past the end of the known table: 1.27 carried forward, flagged.
		// 10,000.00 EUR, business, 21 Jun – 10 Jul 2026 = 20 days at
		// 10.27 %: 1000000 × 0.1027 × 20 / 365 = 5627.39… → 5627.
		{"carried forward", r, 1000000, Business, d(2026, 6, 20), d(2026, 7, 10), 5627, 1, true},
		// Negative base rate (2016–2022): −0.88 + 5 = 4.12 %; 1,000.00 EUR
		// for 365 days (2021) = 41.20 EUR.
		{"negative base rate", r, 100000, Consumer, d(2020, 12, 31), d(2021, 12, 31), 4120, 1, false},
		{"no days yet", r, 100000, Consumer, d(2025, 3, 1), d(2025, 3, 1), 0, 0, false},
		{"until before began", r, 100000, Consumer, d(2025, 3, 1), d(2025, 2, 1), 0, 0, false},
	}
	for _, c := range cases {
		got := c.rules.DefaultInterest(c.principal, c.kind, c.began, c.until)
		if got.Minor != c.want || len(got.Periods) != c.periods || got.Estimated != c.wantEstimated {
			t.Errorf("%s: %+v, want %d in %d periods (estimated %v)", c.name, got, c.want, c.periods, c.wantEstimated)
		}
		days := 0
		for _, p := range got.Periods {
			days += p.Days
		}
		if want := max(int(c.until.Sub(c.began).Hours()/24), 0); days != want {
			t.Errorf("%s: %d days in periods, want %d", c.name, days, want)
		}
	}
	off := r
	off.ChargeInterest = false
	if got := off.DefaultInterest(100000, Consumer, d(2025, 1, 1), d(2025, 6, 1)); got.Minor != 0 {
		t.Errorf("interest off: %d", got.Minor)
	}
	// Splitting a period never changes the total by more than rounding:
	// interest(a→c) is within a cent of interest(a→b) + interest(b→c).
	for _, b := range []time.Time{d(2024, 3, 15), d(2024, 7, 1), d(2025, 1, 1), d(2025, 2, 28)} {
		whole := r.DefaultInterest(123456, Business, d(2024, 1, 10), d(2025, 5, 5)).Minor
		parts := r.DefaultInterest(123456, Business, d(2024, 1, 10), b).Minor + r.DefaultInterest(123456, Business, b, d(2025, 5, 5)).Minor
		if whole-parts > 1 || parts-whole > 1 {
			t.Errorf("split at %v: %d vs %d", b, whole, parts)
		}
	}
}

func TestDefaultBegan(t *testing.T) {
	due := d(2026, 3, 20)
	if got, ok := DefaultBegan(DefaultByCalendar, due, nil, 0); !ok || !got.Equal(due) {
		t.Errorf("calendar: %v %v", got, ok)
	}
	if _, ok := DefaultBegan(DefaultByReminder, due, nil, 3); ok {
		t.Error("reminder mode without a reminder is in default")
	}
	sent := d(2026, 3, 27)
	if got, ok := DefaultBegan(DefaultByReminder, due, &sent, 3); !ok || !got.Equal(d(2026, 3, 30)) {
		t.Errorf("reminder: %v %v", got, ok)
	}
}
