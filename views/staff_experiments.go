package views

import (
	"context"
)

// experiments (issue 9): view models of the experiments report, the
// form that starts an experiment and the propensity model.

// StaffExperimentsVM is the experiments page.
type StaffExperimentsVM struct {
	Notice    string // a translation key: what just happened
	Running   []ExperimentVM
	Ended     []ExperimentVM
	Model     *PropensityModelVM // nil: no model trained yet
	MinSample int                // per variant, before a verdict
}

// ExperimentVM is one experiment with its table per variant.
type ExperimentVM struct {
	ID       string
	Policy   string // the policy's name (translated or the creditor's)
	Stage    string // the stage's key
	StageKey string // translation key of the stage's kind
	Variants []VariantVM
	Currency string
	// Verdict: a translation key and its arguments.
	Verdict     string
	VerdictArgs []any
	// Ended ones.
	Winner  string
	EndedAt string // formatted
	EndedBy string
	Errors  map[string]string // translated, of the end form
}

// VariantVM is one variant's row.
type VariantVM struct {
	Key            string
	Change         string // what it changes, in words
	Weight         int
	Actions        int
	Reached        RateVM
	Opened         RateVM
	Paid7          RateVM
	Paid14         RateVM
	Paid30         RateVM
	CollectedMinor int64
	Disputes       RateVM
}

// RateVM is a rate with its 95 % interval, in whole per cent, over N.
type RateVM struct {
	N, X         int
	Pct, Lo, Hi  int
	HasInterval  bool // N > 0
	PValue       string
	Significance bool
}

// PropensityModelVM is the newest propensity model for admins.
type PropensityModelVM struct {
	TrainedAt   string
	TrainRows   int
	HoldoutRows int
	AUC         string // "0.87", or "" when not measurable
	BaseRate    int    // per cent of training rows paid within 14 days
	Features    []FeatureWeightVM
}

// FeatureWeightVM is one feature with its weight (per standard
// deviation) and the training mean.
type FeatureWeightVM struct {
	Key    string // translation key of the name
	Weight string
	Mean   string
	Raises bool
}

// StaffExperimentNewVM is the form that starts an experiment.
type StaffExperimentNewVM struct {
	Targets  []ExperimentTargetVM
	Target   string // "policy/stage"
	ID       string
	Variants [3]VariantFormVM
	Errors   map[string]string // translated, by field: target, id, variants, weights, shift, v0_key …
}

// ExperimentTargetVM is a stage an experiment can run on.
type ExperimentTargetVM struct {
	Value  string // "policy/stage"
	Policy string // name
	Stage  string // key
	Kind   string // translation key of the kind
	Tone   string // translation key
	Offset int
}

// VariantFormVM is one variant's fields as typed.
type VariantFormVM struct {
	Key, Weight, Tone, Channel, Shift string
}

// ExperimentTones and ExperimentChannels are the choices of a variant
// ("" keeps the stage's).
var (
	ExperimentTones    = []string{"", "friendly", "neutral", "firm"}
	ExperimentChannels = []string{"", "email", "sms", "letter", "preferred"}
)

// StaffPropensityVM is the debtor view's propensity score.
type StaffPropensityVM struct {
	Has     bool
	Pct     int
	Factors []PropensityFactorVM
}

// PropensityFactorVM is one factor behind a score, in words.
type PropensityFactorVM struct {
	Key    string // translation key of the feature's name
	Raises bool
}

// vid and vname are the id and name of variant i's field.
func vid(i int, f string) string   { return "v" + itoa(i) + "-" + f }
func vname(i int, f string) string { return "v" + itoa(i) + "_" + f }

// keepOr names a tone or channel, or "keep the stage's" for "".
func keepOr(ctx context.Context, prefix, v string) string {
	if v == "" {
		return T(ctx, "staff.experiments.new.keep")
	}
	return T(ctx, prefix+v)
}
