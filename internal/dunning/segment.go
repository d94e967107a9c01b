package dunning

import (
	"fmt"

	"github.com/settle/settle/internal/ar"
)

// Debtor kinds (ar.Debtor.Kind).
const (
	Consumer = "consumer"
	Business = "business"
)

// Facts are what segment rules look at: one debtor, their payment
// behaviour and the invoice (or account) being dunned. The engine fills
// them from a query; evaluation is pure.
type Facts struct {
	DebtorKind   string // Consumer or Business
	Segment      string // the creditor's own segment field (ar.Debtor.Segment)
	Hardship     bool
	OpenMinor    int64 // the debtor's open amount
	TenureMonths int   // months since the debtor's first invoice
	// Payment behaviour over the lookback (say the last 24 months), not
	// counting the invoice at hand: invoices paid on time and paid late.
	PaidOnTime int
	PaidLate   int
	// Propensity is a score of how likely the debtor pays without further
	// action (0…1, higher is better), when a model provides one.
	Propensity    float64
	HasPropensity bool
}

// Behaviour is a pattern of payment behaviour a rule can ask for.
type Behaviour string

// Behaviours.
const (
	AnyBehaviour Behaviour = ""
	// FirstTimeLate: never late in the lookback, at least MinOnTime
	// invoices paid on time and at least MinTenureMonths as a customer —
	// "late for the first time after years of punctuality".
	FirstTimeLate Behaviour = "first_time_late"
	// RepeatedlyLate: at least MinLate invoices paid late in the lookback.
	RepeatedlyLate Behaviour = "repeatedly_late"
)

// Rule picks a policy for the debtors it matches. Every condition set must
// hold (empty or zero conditions match everything); rules are tried in
// order and the first match wins.
type Rule struct {
	Name      string    `json:"name"`               // for staff, e.g. "good payers"
	Policy    string    `json:"policy"`             // key of the policy to use
	Hardship  *bool     `json:"hardship,omitempty"` // nil: either
	Kinds     []string  `json:"kinds,omitempty"`
	Segments  []string  `json:"segments,omitempty"`  // the creditor's segment field is one of these
	MinOpen   int64     `json:"min_open,omitempty"`  // open amount ≥ MinOpen
	MaxOpen   int64     `json:"max_open,omitempty"`  // open amount ≤ MaxOpen; 0: no upper bound
	Behaviour Behaviour `json:"behaviour,omitempty"` //
	// Behaviour thresholds (defaults when 0: 6 on time, 24 months, 2 late).
	MinOnTime       int `json:"min_on_time,omitempty"`
	MinTenureMonths int `json:"min_tenure_months,omitempty"`
	MinLate         int `json:"min_late,omitempty"`
	// Propensity range: a rule with MinPropensity or MaxPropensity set
	// matches only debtors with a score within [Min, Max] (Max 0: 1).
	MinPropensity float64 `json:"min_propensity,omitempty"`
	MaxPropensity float64 `json:"max_propensity,omitempty"`
}

// Segmentation is a creditor's rules and the policy for everyone else.
type Segmentation struct {
	Rules   []Rule `json:"rules"`
	Default string `json:"default"`
}

// DefaultSegmentation sends hardship cases to the hardship flow, the
// first-time late good payers to the gentle one, and everyone else to
// the standard one.
func DefaultSegmentation() Segmentation {
	yes := true
	return Segmentation{Default: PolicyStandard, Rules: []Rule{
		{Name: "hardship", Policy: PolicyHardship, Hardship: &yes},
		{Name: "first time late", Policy: PolicyGentle, Behaviour: FirstTimeLate},
	}}
}

// Pick is the policy key for the facts and the index of the rule that
// chose it (-1: the default).
func (s *Segmentation) Pick(f *Facts) (string, int) {
	for i := range s.Rules {
		if s.Rules[i].Match(f) {
			return s.Rules[i].Policy, i
		}
	}
	return s.Default, -1
}

// Match reports whether the rule holds for the facts.
func (r *Rule) Match(f *Facts) bool {
	if r.Hardship != nil && *r.Hardship != f.Hardship {
		return false
	}
	if len(r.Kinds) > 0 && !contains(r.Kinds, f.DebtorKind) {
		return false
	}
	if len(r.Segments) > 0 && !contains(r.Segments, f.Segment) {
		return false
	}
	if f.OpenMinor < r.MinOpen || (r.MaxOpen > 0 && f.OpenMinor > r.MaxOpen) {
		return false
	}
	switch r.Behaviour {
	case FirstTimeLate:
		if f.PaidLate > 0 || f.PaidOnTime < orDefault(r.MinOnTime, 6) || f.TenureMonths < orDefault(r.MinTenureMonths, 24) {
			return false
		}
	case RepeatedlyLate:
		if f.PaidLate < orDefault(r.MinLate, 2) {
			return false
		}
	}
	if r.MinPropensity > 0 || r.MaxPropensity > 0 {
		hi := r.MaxPropensity
		if hi == 0 {
			hi = 1
		}
		if !f.HasPropensity || f.Propensity < r.MinPropensity || f.Propensity > hi {
			return false
		}
	}
	return true
}

func orDefault(v, d int) int {
	if v > 0 {
		return v
	}
	return d
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Validate checks the rules against the creditor's policies.
func (s *Segmentation) Validate(policies []Policy) error {
	known := map[string]bool{}
	for _, p := range policies {
		known[p.Key] = true
	}
	var v ar.Invalids
	if !known[s.Default] {
		v.Add("default", "error.dunning.segment_policy", nil)
	}
	for i, r := range s.Rules {
		f := func(name string) string { return fmt.Sprintf("rules.%d.%s", i, name) }
		if !known[r.Policy] {
			v.Add(f("policy"), "error.dunning.segment_policy", nil)
		}
		if r.MinOpen < 0 || (r.MaxOpen > 0 && r.MaxOpen < r.MinOpen) || r.MaxOpen < 0 {
			v.Add(f("open"), "error.dunning.segment_range", nil)
		}
		if r.MinPropensity < 0 || r.MaxPropensity < 0 || r.MinPropensity > 1 || r.MaxPropensity > 1 ||
			(r.MaxPropensity > 0 && r.MaxPropensity < r.MinPropensity) {
			v.Add(f("propensity"), "error.dunning.propensity_range", nil)
		}
		switch r.Behaviour {
		case AnyBehaviour, FirstTimeLate, RepeatedlyLate:
		default:
			v.Add(f("behaviour"), "error.dunning.behaviour", nil)
		}
		if r.MinOnTime < 0 || r.MinTenureMonths < 0 || r.MinLate < 0 {
			v.Add(f("behaviour"), "error.dunning.behaviour", nil)
		}
	}
	return v.Err()
}
