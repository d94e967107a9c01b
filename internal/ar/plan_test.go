package ar

import (
	"math/rand/v2"
	"testing"
	"time"
)

func civilDay(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }

// Instalments sum exactly to the plan total in minor units, for every
// currency exponent (0: JPY, 2: EUR, 3: KWD), whatever the total and the
// number of instalments; all but the first are equal; none is negative;
// dates are monthly on the chosen day.
func TestScheduleSumsExactlyProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	p := DefaultPlanPolicy(1)
	p.MaxTotalMinor, p.MaxInstalments, p.MinInstalmentMinor = 1<<40, 60, 1
	for _, cur := range []string{"JPY", "EUR", "KWD", "CLF"} {
		for i := 0; i < 5000; i++ {
			total := r.Int64N(1<<32) + 2
			n := 2 + r.IntN(59)
			if int64(n) > total {
				continue
			}
			pol := p
			pol.FeeMinor = r.Int64N(500)
			pol.InterestBP = r.IntN(1200)
			if r.IntN(3) == 0 {
				pol.DownPaymentBP = 1 + r.IntN(5000)
			}
			ask := PlanAsk{Kind: PlanInstalments, TotalMinor: total, Currency: cur, Instalments: n,
				Day: 1 + r.IntN(MaxDay), Today: civilDay("2026-11-23").AddDate(0, 0, r.IntN(400))}
			s, err := NewSchedule(pol, ask)
			if err != nil {
				t.Fatalf("%s total %d n %d: %v", cur, total, n, err)
			}
			var sum int64
			for j, in := range s.Instalments {
				if in.AmountMinor < 0 {
					t.Fatalf("%s %d/%d: negative instalment %d", cur, total, n, in.AmountMinor)
				}
				if j >= 2 && in.AmountMinor != s.Instalments[1].AmountMinor {
					t.Fatalf("%s %d/%d: instalment %d = %d, regular %d", cur, total, n, j+1, in.AmountMinor, s.Instalments[1].AmountMinor)
				}
				if j > 0 && !in.DueDate.After(s.Instalments[j-1].DueDate) {
					t.Fatalf("%s: dates not increasing: %v", cur, s.Instalments)
				}
				if j > 0 && in.DueDate.Day() != ask.Day {
					t.Fatalf("instalment %d on day %d, want %d", j+1, in.DueDate.Day(), ask.Day)
				}
				sum += in.AmountMinor
			}
			if down := s.TotalMinor * int64(pol.DownPaymentBP) / 10000; s.Instalments[0].AmountMinor < down ||
				(pol.DownPaymentBP > 0 && !s.Instalments[0].DueDate.Equal(ask.Today)) {
				t.Fatalf("%s: down payment %d on %v, want at least %d today", cur, s.Instalments[0].AmountMinor, s.Instalments[0].DueDate, down)
			}
			if sum != s.TotalMinor || s.TotalMinor != total+s.FeeMinor+s.InterestMinor || len(s.Instalments) != n {
				t.Fatalf("%s total %d n %d: instalments sum to %d, plan total %d (fee %d, interest %d), %d instalments",
					cur, total, n, sum, s.TotalMinor, s.FeeMinor, s.InterestMinor, len(s.Instalments))
			}
		}
	}
}

func TestScheduleRoundsToWholeUnits(t *testing.T) {
	p := DefaultPlanPolicy(1)
	s, err := NewSchedule(p, PlanAsk{Kind: PlanInstalments, TotalMinor: 30317, Currency: "EUR", Instalments: 6,
		Day: 3, Today: civilDay("2026-11-23")})
	if err != nil {
		t.Fatal(err)
	}
	// 5 × 50,00 € and the remainder, 53,17 €, first.
	want := []int64{5317, 5000, 5000, 5000, 5000, 5000}
	for i, in := range s.Instalments {
		if in.AmountMinor != want[i] {
			t.Fatalf("instalments %v, want amounts %v", s.Instalments, want)
		}
	}
	if got := s.Instalments[0].DueDate.Format(time.DateOnly); got != "2026-12-03" {
		t.Errorf("first instalment on %s, want 2026-12-03 (at least a week ahead)", got)
	}
	if got := s.Last().Format(time.DateOnly); got != "2027-05-03" {
		t.Errorf("last instalment on %s", got)
	}
	// JPY has no minor unit: the same rule, no rounding needed.
	s, _ = NewSchedule(p, PlanAsk{Kind: PlanInstalments, TotalMinor: 10001, Currency: "JPY", Instalments: 3, Day: 1, Today: civilDay("2026-11-23")})
	if s.Instalments[0].AmountMinor+2*s.Instalments[1].AmountMinor != 10001 {
		t.Errorf("JPY: %v", s.Instalments)
	}
}

func TestScheduleRefusesOutsidePolicy(t *testing.T) {
	p := DefaultPlanPolicy(1)
	today := civilDay("2026-11-23")
	cases := map[string]struct {
		ask   PlanAsk
		field string
	}{
		"too many":       {PlanAsk{Kind: PlanInstalments, TotalMinor: 100000, Currency: "EUR", Instalments: 13, Day: 1, Today: today}, "instalments"},
		"too small":      {PlanAsk{Kind: PlanInstalments, TotalMinor: 3000, Currency: "EUR", Instalments: 6, Day: 1, Today: today}, "instalments"},
		"too much":       {PlanAsk{Kind: PlanInstalments, TotalMinor: 600000, Currency: "EUR", Instalments: 6, Day: 1, Today: today}, "invoice"},
		"day 31":         {PlanAsk{Kind: PlanInstalments, TotalMinor: 60000, Currency: "EUR", Instalments: 6, Day: 31, Today: today}, "day"},
		"defer too far":  {PlanAsk{Kind: PlanDeferral, TotalMinor: 60000, Currency: "EUR", DeferTo: today.AddDate(0, 0, 61), Today: today}, "defer_to"},
		"defer to today": {PlanAsk{Kind: PlanDeferral, TotalMinor: 60000, Currency: "EUR", DeferTo: today, Today: today}, "defer_to"},
		"nothing open":   {PlanAsk{Kind: PlanDeferral, TotalMinor: 0, Currency: "EUR", DeferTo: today.AddDate(0, 0, 5), Today: today}, "invoice"},
	}
	for name, tc := range cases {
		_, err := NewSchedule(p, tc.ask)
		e, ok := AsError(err)
		if !ok || e.Field != tc.field {
			t.Errorf("%s: err = %v, want a field error on %s", name, err, tc.field)
		}
	}
}

func TestMonthlyAmountAndDeferral(t *testing.T) {
	p := DefaultPlanPolicy(1)
	p.InterestBP, p.FeeMinor = 500, 250 // 5 % a year, 2,50 € fee
	today := civilDay("2026-11-23")
	s, err := NewSchedule(p, PlanAsk{Kind: PlanInstalments, TotalMinor: 25000, Currency: "EUR", MonthlyMinor: 6000, Day: 15, Today: today})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Instalments) != 5 || s.FeeMinor != 250 || s.InterestMinor <= 0 {
		t.Errorf("60 € a month on 250 €: %d instalments, fee %d, interest %d", len(s.Instalments), s.FeeMinor, s.InterestMinor)
	}
	d, err := NewSchedule(p, PlanAsk{Kind: PlanDeferral, TotalMinor: 36500, Currency: "EUR", DeferTo: today.AddDate(0, 0, 20), Today: today})
	if err != nil {
		t.Fatal(err)
	}
	// 365,00 € × 5 % × 20/365 = 1,00 €.
	if len(d.Instalments) != 1 || d.InterestMinor != 100 || d.Instalments[0].AmountMinor != 36500+250+100 {
		t.Errorf("deferral: %+v", d)
	}
}

func TestDecideBand(t *testing.T) {
	p := DefaultPlanPolicy(1)
	today := civilDay("2026-11-23")
	ask := PlanAsk{Kind: PlanInstalments, TotalMinor: 60000, Currency: "EUR", Instalments: 6, Day: 1, Today: today}
	s, _ := NewSchedule(p, ask)
	if d, _ := p.Decide(ask, s, PlanFacts{}); d != DecideApprove {
		t.Errorf("6 instalments of 600 € = %s, want approve", d)
	}
	ask.Instalments = 10
	s, _ = NewSchedule(p, ask)
	if d, why := p.Decide(ask, s, PlanFacts{}); d != DecideReview || why != "plan.review.instalments" {
		t.Errorf("10 instalments = %s (%s), want review", d, why)
	}
	ask.Instalments = 3
	s, _ = NewSchedule(p, ask)
	if d, why := p.Decide(ask, s, PlanFacts{BrokenPlanSince: true}); d != DecideReview || why != "plan.review.broken_before" {
		t.Errorf("after a broken plan = %s (%s)", d, why)
	}
	p.Segments = []string{"privat"}
	if d, _ := p.Decide(ask, s, PlanFacts{Segment: "gewerbe"}); d != DecideReview {
		t.Errorf("other segment = %s", d)
	}
}

func TestAllocateToInstalments(t *testing.T) {
	take, left := AllocateToInstalments([]int64{0, 5000, 5000, 5000}, 7000)
	if take[0] != 0 || take[1] != 5000 || take[2] != 2000 || take[3] != 0 || left != 0 {
		t.Errorf("7000 over [0 5000 5000 5000]: %v left %d", take, left)
	}
	take, left = AllocateToInstalments([]int64{100, 200}, 500)
	if take[0] != 100 || take[1] != 200 || left != 200 {
		t.Errorf("overpaying the plan: %v left %d", take, left)
	}
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 2000; i++ {
		open := make([]int64, 1+r.IntN(12))
		var sum int64
		for j := range open {
			open[j] = r.Int64N(10000)
			sum += open[j]
		}
		amount := r.Int64N(sum + 5000)
		take, left := AllocateToInstalments(open, amount)
		var got int64
		seenShort := false
		for j := range take {
			if take[j] > open[j] || take[j] < 0 {
				t.Fatalf("took %d of %d", take[j], open[j])
			}
			if seenShort && take[j] > 0 {
				t.Fatalf("a later instalment was paid before an earlier one was full: %v of %v", take, open)
			}
			if take[j] < open[j] {
				seenShort = true
			}
			got += take[j]
		}
		if got+left != amount {
			t.Fatalf("allocation lost money: %d + %d != %d", got, left, amount)
		}
	}
}

// Invoices in an active plan are open but not overdue: the plan's dates
// count for them.
func TestSummarizeWithPlans(t *testing.T) {
	today := civilDay("2026-11-23")
	invs := []Invoice{
		{ID: 1, OpenMinor: 5000, TotalMinor: 5000, DueDate: civilDay("2026-10-01")},
		{ID: 2, OpenMinor: 3000, TotalMinor: 3000, DueDate: civilDay("2026-10-15")},
		{ID: 3, OpenMinor: 2000, TotalMinor: 2000, DueDate: civilDay("2026-12-01")},
	}
	s := SummarizeWithPlans("EUR", invs, today, map[int64]bool{1: true})
	if s.OpenMinor != 10000 || s.OverdueMinor != 3000 || s.OverdueCount != 1 || s.PlanMinor != 5000 ||
		!s.OldestOverdue.Equal(civilDay("2026-10-15")) || s.NextDueMinor != 2000 {
		t.Errorf("summary with invoice 1 in a plan: %+v", s)
	}
	if all := Summarize("EUR", invs, today); all.OverdueMinor != 8000 || all.PlanMinor != 0 {
		t.Errorf("without plans: %+v", all)
	}
}
