package ar

import "time"

// PlanKind is what a debtor asks for when they need more time.
type PlanKind string

// Plan kinds.
const (
	PlanInstalments PlanKind = "instalments" // Ratenzahlung
	PlanDeferral    PlanKind = "deferral"    // Stundung: everything on one later date
)

// PlanStatus is where a payment plan stands.
type PlanStatus string

// Plan states. A plan holds its invoices (no other plan may take them)
// while it is requested, offered or active.
const (
	PlanRequested PlanStatus = "requested" // outside the policy's band: staff decide
	PlanOffered   PlanStatus = "offered"   // staff proposed another schedule; the debtor decides
	PlanActive    PlanStatus = "active"    // approved; instalments fall due
	PlanRejected  PlanStatus = "rejected"
	PlanCompleted PlanStatus = "completed" // everything paid
	PlanBroken    PlanStatus = "broken"    // an instalment stayed unpaid past the grace period
	PlanCancelled PlanStatus = "cancelled"
)

// Holds reports whether a plan in this state keeps its invoices from
// other plans.
func (s PlanStatus) Holds() bool {
	return s == PlanRequested || s == PlanOffered || s == PlanActive
}

// PlanPolicy is a creditor's rules for plans and deferrals.
type PlanPolicy struct {
	CreditorID         int64    `db:"creditor_id"`
	MaxInstalments     int      `db:"max_instalments"`      // at most this many instalments
	MinInstalmentMinor int64    `db:"min_instalment_minor"` // no instalment below this
	MaxTotalMinor      int64    `db:"max_total_minor"`      // plans up to this total
	MaxDeferralDays    int      `db:"max_deferral_days"`    // a deferral at most this far ahead
	DownPaymentBP      int      `db:"down_payment_bp"`      // share due at once (basis points); 0: none
	FeeMinor           int64    `db:"fee_minor"`            // set-up fee added to the plan
	InterestBP         int      `db:"interest_bp"`          // yearly interest on the plan total; 0: none
	NoBrokenPlanMonths int      `db:"no_broken_plan_months"`
	Segments           []string `db:"-"`                    // segments that qualify; empty: every segment
	AutoMaxInstalments int      `db:"auto_max_instalments"` // the auto-approve band
	AutoMaxTotalMinor  int64    `db:"auto_max_total_minor"`
	AutoMaxDeferral    int      `db:"auto_max_deferral_days"`
	GraceDays          int      `db:"grace_days"` // after a missed instalment, before the plan breaks
}

// DefaultPlanPolicy is what a creditor starts with.
func DefaultPlanPolicy(creditorID int64) PlanPolicy {
	return PlanPolicy{CreditorID: creditorID, MaxInstalments: 12, MinInstalmentMinor: 1000, MaxTotalMinor: 500000,
		MaxDeferralDays: 60, NoBrokenPlanMonths: 12, AutoMaxInstalments: 6, AutoMaxTotalMinor: 100000,
		AutoMaxDeferral: 30, GraceDays: 7}
}

// PlanAsk is what the debtor (or staff on the phone) asks for.
type PlanAsk struct {
	Kind         PlanKind
	TotalMinor   int64 // the open amount of the chosen invoices
	Currency     string
	Instalments  int       // instalments: how many (or 0 with MonthlyMinor)
	MonthlyMinor int64     // instalments: the amount per month instead
	Day          int       // instalments: day of the month, 1–28
	DeferTo      time.Time // deferral: the one date (civil)
	Today        time.Time // civil date
}

// Instalment is one due date of a plan and what is due then.
type Instalment struct {
	Seq         int       `db:"seq"`
	DueDate     time.Time `db:"due_date"`
	AmountMinor int64     `db:"amount_minor"`
}

// Schedule is a plan's instalments with what the policy adds.
type Schedule struct {
	Instalments    []Instalment
	PrincipalMinor int64 // the invoices' open amount
	FeeMinor       int64
	InterestMinor  int64
	TotalMinor     int64 // principal + fee + interest = sum of the instalments
	Currency       string
}

// Last is the date of the last instalment.
func (s *Schedule) Last() time.Time { return s.Instalments[len(s.Instalments)-1].DueDate }

// MaxDay is the latest day of the month an instalment can fall on (every
// month has it).
const MaxDay = 28

// NewSchedule computes the schedule the policy allows for an ask, or a
// field error saying what to change.
//
// Rounding: every instalment but the first is the same amount, rounded
// down to a whole currency unit when that leaves the first instalment no
// larger than two regular ones (so 6 × 50,00 € rather than 6 × 49,83 €);
// the first instalment takes the remainder, so the instalments always sum
// exactly to the total, in minor units, whatever the currency's exponent.
// A down payment is the first instalment, due today.
func NewSchedule(p PlanPolicy, a PlanAsk) (*Schedule, error) {
	if a.TotalMinor <= 0 {
		return nil, FieldError("invoice", "error.plan.nothing_open", nil)
	}
	if a.TotalMinor > p.MaxTotalMinor {
		return nil, FieldError("invoice", "error.plan.too_much", map[string]any{"Max": Money{Minor: p.MaxTotalMinor, Currency: a.Currency}})
	}
	s := &Schedule{PrincipalMinor: a.TotalMinor, Currency: a.Currency, FeeMinor: p.FeeMinor}
	switch a.Kind {
	case PlanDeferral:
		days := int(a.DeferTo.Sub(a.Today).Hours() / 24)
		if a.DeferTo.IsZero() || days < 1 || days > p.MaxDeferralDays {
			return nil, FieldError("defer_to", "error.plan.defer_to", map[string]any{"Max": p.MaxDeferralDays})
		}
		s.InterestMinor = interest(a.TotalMinor, p.InterestBP, days)
		s.TotalMinor = a.TotalMinor + s.FeeMinor + s.InterestMinor
		s.Instalments = []Instalment{{Seq: 1, DueDate: a.DeferTo, AmountMinor: s.TotalMinor}}
		return s, nil
	case PlanInstalments:
	default:
		return nil, FieldError("kind", "error.plan.kind", nil)
	}
	if a.Day < 1 || a.Day > MaxDay {
		return nil, FieldError("day", "error.plan.day", map[string]any{"Max": MaxDay})
	}
	n := a.Instalments
	if n == 0 && a.MonthlyMinor > 0 {
		n = int((a.TotalMinor + a.MonthlyMinor - 1) / a.MonthlyMinor)
	}
	if n < 2 || n > p.MaxInstalments {
		return nil, FieldError("instalments", "error.plan.instalments", map[string]any{"Max": p.MaxInstalments})
	}
	// Dates: the chosen day of each month, the first at least a week
	// ahead (time for the debtor, and for a direct debit's notice).
	first := time.Date(a.Today.Year(), a.Today.Month(), a.Day, 0, 0, 0, 0, time.UTC)
	for first.Before(a.Today.AddDate(0, 0, 7)) {
		first = first.AddDate(0, 1, 0)
	}
	dates := make([]time.Time, n)
	down := p.DownPaymentBP > 0
	for i := range dates {
		if down {
			if i == 0 {
				dates[0] = a.Today
				continue
			}
			dates[i] = first.AddDate(0, i-1, 0)
		} else {
			dates[i] = first.AddDate(0, i, 0)
		}
	}
	days := int(dates[n-1].Sub(a.Today).Hours() / 24)
	s.InterestMinor = interest(a.TotalMinor, p.InterestBP, days/2) // on the average balance: about half the span
	s.TotalMinor = a.TotalMinor + s.FeeMinor + s.InterestMinor
	var downMinor int64
	if down {
		downMinor = s.TotalMinor * int64(p.DownPaymentBP) / 10000
	}
	amounts := split(s.TotalMinor, n, a.Currency, downMinor)
	for i, amt := range amounts {
		if amt < p.MinInstalmentMinor {
			return nil, FieldError("instalments", "error.plan.instalment_too_small", map[string]any{"Min": Money{Minor: p.MinInstalmentMinor, Currency: a.Currency}})
		}
		s.Instalments = append(s.Instalments, Instalment{Seq: i + 1, DueDate: dates[i], AmountMinor: amt})
	}
	return s, nil
}

// split divides total into n amounts that sum to it exactly: n−1 equal
// regular amounts and the first with the rest. The first is at least
// down (a down payment; 0 for none: then it is about a regular one).
// Regular amounts are whole currency units when rounding them down adds
// no more than one regular amount to the first.
func split(total int64, n int, cur string, down int64) []int64 {
	var regular int64
	if down > 0 {
		regular = (total - down) / int64(n-1)
	} else {
		regular = total / int64(n)
	}
	base := total - regular*int64(n-1) // the first without rounding
	if unit, _ := minorUnit(cur); unit > 1 {
		if r := regular / unit * unit; r > 0 && total-r*int64(n-1)-base <= r {
			regular = r
		}
	}
	out := make([]int64, n)
	for i := 1; i < n; i++ {
		out[i] = regular
	}
	out[0] = total - regular*int64(n-1)
	return out
}

// interest is simple yearly interest in basis points over days, rounded
// half up.
func interest(principal int64, bp, days int) int64 {
	if bp <= 0 || days <= 0 {
		return 0
	}
	num := principal * int64(bp) * int64(days)
	den := int64(10000 * 365)
	return (num + den/2) / den
}

// PlanFacts is what the policy looks at besides the ask.
type PlanFacts struct {
	Segment         string
	BrokenPlanSince bool // broke a plan within NoBrokenPlanMonths
	Hardship        bool
}

// Decision is what happens to an ask under a policy.
type Decision string

// Decisions.
const (
	DecideApprove Decision = "approve" // inside the auto-approve band
	DecideReview  Decision = "review"  // allowed, but staff decide
)

// Decide says whether a schedule inside the policy's limits is approved
// at once or goes to staff, and why it goes to staff (a translation key).
func (p PlanPolicy) Decide(a PlanAsk, s *Schedule, f PlanFacts) (Decision, string) {
	if len(p.Segments) > 0 {
		ok := false
		for _, seg := range p.Segments {
			if seg == f.Segment {
				ok = true
			}
		}
		if !ok {
			return DecideReview, "plan.review.segment"
		}
	}
	if f.BrokenPlanSince {
		return DecideReview, "plan.review.broken_before"
	}
	if s.PrincipalMinor > p.AutoMaxTotalMinor {
		return DecideReview, "plan.review.amount"
	}
	switch a.Kind {
	case PlanDeferral:
		if int(s.Last().Sub(a.Today).Hours()/24) > p.AutoMaxDeferral {
			return DecideReview, "plan.review.deferral"
		}
	case PlanInstalments:
		if len(s.Instalments) > p.AutoMaxInstalments {
			return DecideReview, "plan.review.instalments"
		}
	}
	return DecideApprove, ""
}

// AllocateToInstalments spreads an amount over instalments' open amounts,
// earliest first: a payment pays the earliest unpaid instalment, and what
// it pays beyond it reduces the ones after. It returns the part of
// amount each instalment takes and what is left over (more than the
// whole plan).
func AllocateToInstalments(open []int64, amount int64) (take []int64, left int64) {
	take = make([]int64, len(open))
	left = amount
	for i, o := range open {
		if left <= 0 {
			break
		}
		if o <= 0 {
			continue
		}
		t := min(o, left)
		take[i] = t
		left -= t
	}
	return take, left
}
