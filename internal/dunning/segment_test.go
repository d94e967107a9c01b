package dunning

import (
	"testing"

	"github.com/settle/settle/internal/ar"
)

func TestSegmentation(t *testing.T) {
	yes := true
	s := Segmentation{Default: PolicyStandard, Rules: []Rule{
		{Name: "hardship", Policy: PolicyHardship, Hardship: &yes},
		{Name: "big business", Policy: "key-account", Kinds: []string{Business}, MinOpen: 1000000},
		{Name: "vip", Policy: PolicyGentle, Segments: []string{"vip", "premium"}},
		{Name: "punctual", Policy: PolicyGentle, Behaviour: FirstTimeLate},
		{Name: "likely payers", Policy: PolicyGentle, MinPropensity: 0.8},
		{Name: "habitual", Policy: "strict", Behaviour: RepeatedlyLate, MinLate: 3, MaxOpen: 50000},
	}}
	punctual := Facts{DebtorKind: Consumer, TenureMonths: 48, PaidOnTime: 24}
	cases := []struct {
		name   string
		f      Facts
		policy string
		rule   int
	}{
		{"nothing special", Facts{DebtorKind: Consumer, TenureMonths: 3, PaidOnTime: 2}, PolicyStandard, -1},
		{"hardship first", Facts{Hardship: true, DebtorKind: Business, OpenMinor: 5000000, Segment: "vip"}, PolicyHardship, 0},
		{"big business", Facts{DebtorKind: Business, OpenMinor: 1000000}, "key-account", 1},
		{"small business", Facts{DebtorKind: Business, OpenMinor: 999999}, PolicyStandard, -1},
		{"creditor's segment", Facts{Segment: "premium"}, PolicyGentle, 2},
		{"first time late after years", punctual, PolicyGentle, 3},
		{"late once before", Facts{DebtorKind: Consumer, TenureMonths: 48, PaidOnTime: 23, PaidLate: 1}, PolicyStandard, -1},
		{"punctual but new", Facts{DebtorKind: Consumer, TenureMonths: 12, PaidOnTime: 12}, PolicyStandard, -1},
		{"propensity high", Facts{HasPropensity: true, Propensity: 0.85}, PolicyGentle, 4},
		{"propensity unknown", Facts{Propensity: 0.85}, PolicyStandard, -1},
		{"propensity low", Facts{HasPropensity: true, Propensity: 0.5}, PolicyStandard, -1},
		{"repeatedly late", Facts{PaidLate: 3, OpenMinor: 20000}, "strict", 5},
		{"repeatedly late, large amount", Facts{PaidLate: 3, OpenMinor: 60000}, PolicyStandard, -1},
		{"late twice is not enough here", Facts{PaidLate: 2, OpenMinor: 20000}, PolicyStandard, -1},
	}
	for _, c := range cases {
		p, i := s.Pick(&c.f)
		if p != c.policy || i != c.rule {
			t.Errorf("%s: %s (rule %d), want %s (rule %d)", c.name, p, i, c.policy, c.rule)
		}
	}
	// Defaults of the behaviour thresholds: 2 late is "repeatedly late".
	r := Rule{Behaviour: RepeatedlyLate}
	if !r.Match(&Facts{PaidLate: 2}) || r.Match(&Facts{PaidLate: 1}) {
		t.Error("RepeatedlyLate default threshold")
	}
	// A propensity range with only a maximum.
	r = Rule{MaxPropensity: 0.3}
	if !r.Match(&Facts{HasPropensity: true, Propensity: 0.2}) || r.Match(&Facts{HasPropensity: true, Propensity: 0.4}) {
		t.Error("propensity maximum")
	}
	// The default segmentation.
	ds := DefaultSegmentation()
	for f, want := range map[*Facts]string{
		{Hardship: true}: PolicyHardship, &punctual: PolicyGentle, {PaidLate: 4}: PolicyStandard,
	} {
		if got, _ := ds.Pick(f); got != want {
			t.Errorf("default segmentation %+v: %s, want %s", *f, got, want)
		}
	}
}

func TestSegmentationValidate(t *testing.T) {
	ps := DefaultPolicies("EUR")
	cases := []struct {
		s     Segmentation
		field string
		key   string
	}{
		{Segmentation{Default: "nope"}, "default", "error.dunning.segment_policy"},
		{Segmentation{Default: PolicyStandard, Rules: []Rule{{Policy: "nope"}}}, "rules.0.policy", "error.dunning.segment_policy"},
		{Segmentation{Default: PolicyStandard, Rules: []Rule{{Policy: PolicyGentle, MinOpen: 500, MaxOpen: 100}}}, "rules.0.open", "error.dunning.segment_range"},
		{Segmentation{Default: PolicyStandard, Rules: []Rule{{Policy: PolicyGentle}, {Policy: PolicyGentle, MinPropensity: 1.2}}}, "rules.1.propensity", "error.dunning.propensity_range"},
		{Segmentation{Default: PolicyStandard, Rules: []Rule{{Policy: PolicyGentle, MinPropensity: 0.8, MaxPropensity: 0.2}}}, "rules.0.propensity", "error.dunning.propensity_range"},
		{Segmentation{Default: PolicyStandard, Rules: []Rule{{Policy: PolicyGentle, Behaviour: "sometimes"}}}, "rules.0.behaviour", "error.dunning.behaviour"},
	}
	for _, c := range cases {
		err := c.s.Validate(ps)
		found := false
		if inv, ok := err.(ar.Invalids); ok {
			for _, e := range inv {
				found = found || (e.Field == c.field && e.Key == c.key)
			}
		}
		if !found {
			t.Errorf("%+v: %v, want %s on %s", c.s, err, c.key, c.field)
		}
	}
}
