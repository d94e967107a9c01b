package dunning

import (
	"fmt"
	"regexp"

	"github.com/settle/settle/internal/ar"
)

// Channel is how a stage reaches the debtor.
type Channel string

// Channels. Preferred is the debtor's preferred channel, then the stage's
// Fallbacks in order, whichever first has an address on file.
const (
	Email     Channel = "email"
	SMS       Channel = "sms"
	Letter    Channel = "letter"
	Preferred Channel = "preferred"
)

// Channels lists every channel (for forms and the translation check).
var Channels = []Channel{Email, SMS, Letter, Preferred}

// Valid reports whether c is a known channel.
func (c Channel) Valid() bool {
	return c == Email || c == SMS || c == Letter || c == Preferred
}

// Key is the translation key of the channel's name.
func (c Channel) Key() string { return "staff.dunning.channel." + string(c) }

// Tone is how a message sounds. The text of each stage comes from the
// message templates for its kind and tone.
type Tone string

// Tones.
const (
	Friendly Tone = "friendly"
	Neutral  Tone = "neutral"
	Firm     Tone = "firm"
)

// Tones lists every tone.
var Tones = []Tone{Friendly, Neutral, Firm}

// Valid reports whether t is a known tone.
func (t Tone) Valid() bool { return t == Friendly || t == Neutral || t == Firm }

// Key is the translation key of the tone's name.
func (t Tone) Key() string { return "staff.dunning.tone." + string(t) }

// Kind is what a stage is for. The kinds come in this order in a policy;
// the order matters to the law (the first Reminder is the Mahnung that
// puts the debtor in default, § 286 (1) BGB) and to smart waiting (only
// Nudge and Soft stages wait for a debtor's usual payment lag).
type Kind string

// Stage kinds, in the order they may appear.
const (
	Nudge    Kind = "nudge"    // before the due date: "due in 3 days"
	Soft     Kind = "soft"     // on or just after the due date: "did you forget?"
	Reminder Kind = "reminder" // a Mahnung: the first one puts the debtor in default
	Final    Kind = "final"    // the last reminder before hand-over (letzte Mahnung)
	Handover Kind = "handover" // hand-over to collection; no message of its own needed
)

// Kinds lists every kind in policy order.
var Kinds = []Kind{Nudge, Soft, Reminder, Final, Handover}

func (k Kind) rank() int {
	for i, x := range Kinds {
		if x == k {
			return i
		}
	}
	return -1
}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return k.rank() >= 0 }

// Key is the translation key of the kind's name.
func (k Kind) Key() string { return "staff.dunning.kind." + string(k) }

// Gentle reports whether smart waiting applies to the kind: a soft
// reminder, or a nudge before the due date.
func (k Kind) Gentle() bool { return k == Nudge || k == Soft }

// Dunning reports whether a stage of this kind is a reminder in the legal
// sense (a Mahnung): Reminder and Final. Only these can carry a fee.
func (k Kind) Dunning() bool { return k == Reminder || k == Final }

// Stage is one step of a policy: on which day, by which channel, in
// which tone, at what fee.
type Stage struct {
	Key       string    `json:"key"`                 // unique within the policy, e.g. "reminder-1"; what the engine records as done
	Kind      Kind      `json:"kind"`                //
	Offset    int       `json:"offset"`              // days relative to the due date: -3 before, 0 on, +7 after
	Channel   Channel   `json:"channel"`             //
	Fallbacks []Channel `json:"fallbacks,omitempty"` // with Preferred only: tried in order when the debtor's choice has no address
	Tone      Tone      `json:"tone"`                //
	FeeMinor  int64     `json:"fee_minor,omitempty"` // the reminder fee asked for (0: none); FeeRules caps and may waive it
	// Experiment, when set, splits debtors between variants of this stage.
	Experiment *Experiment `json:"experiment,omitempty"`
}

// Experiment tries variants of one stage on stable, random shares of the
// debtors. Each debtor always gets the same variant (Assign).
type Experiment struct {
	ID       string    `json:"id"` // stable and unique across the creditor's experiments, e.g. "2026-11-r1-tone"
	Variants []Variant `json:"variants"`
}

// Variant is one arm of an experiment. Empty fields keep the stage's own
// value, so a variant with only Key and Weight is the control.
type Variant struct {
	Key       string  `json:"key"`
	Weight    int     `json:"weight"`               // share in percent; the weights of an experiment sum to 100
	Tone      Tone    `json:"tone,omitempty"`       // "" keeps the stage's tone
	Channel   Channel `json:"channel,omitempty"`    // "" keeps the stage's channel (and fallbacks)
	ShiftDays int     `json:"shift_days,omitempty"` // timing: added to the stage's offset
}

// Policy is a creditor's dunning flow: the stages an overdue invoice
// walks through, in order.
type Policy struct {
	Key      string  `json:"key"`                // e.g. "standard"; what segment rules point at
	Name     string  `json:"name,omitempty"`     // the creditor's label; the defaults use NameKey
	NameKey  string  `json:"name_key,omitempty"` // translation key of the name of a built-in policy
	Currency string  `json:"currency"`           // of the fees
	Stages   []Stage `json:"stages"`
}

// Limits of a policy.
const (
	MaxStages      = 10
	MinOffset      = -30   // a nudge at most a month before the due date
	MaxOffset      = 365   // the last stage within a year of the due date
	MaxFeeMinor    = 10000 // no reminder fee above 100.00 (sanity, not law)
	MinVariants    = 2     //
	MaxVariants    = 5     //
	MaxShiftDays   = 14    // a timing variant moves a stage at most two weeks
	maxKeyLen      = 40    //
	weightsPercent = 100   //
)

var keyRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

func validKey(s string) bool { return len(s) <= maxKeyLen && keyRE.MatchString(s) }

// Validate checks a policy and returns every problem at once as
// ar.Invalids, each with a translated key. Fields are named like form
// fields: "stages.2.offset", "stages.1.variants.0.weight".
func (p *Policy) Validate() error {
	var v ar.Invalids
	if !validKey(p.Key) {
		v.Add("key", "error.dunning.policy_key", nil)
	}
	if p.Name == "" && p.NameKey == "" {
		v.Add("name", "error.dunning.policy_name", nil)
	}
	if !ar.ValidCurrency(p.Currency) {
		v.Add("currency", "error.dunning.currency", nil)
	}
	switch {
	case len(p.Stages) == 0:
		v.Add("stages", "error.dunning.no_stages", nil)
	case len(p.Stages) > MaxStages:
		v.Add("stages", "error.dunning.too_many_stages", map[string]any{"Max": MaxStages})
	}
	keys := map[string]bool{}
	seenDunning := false
	counts := map[Kind]int{}
	for i := range p.Stages {
		s := &p.Stages[i]
		f := func(name string) string { return fmt.Sprintf("stages.%d.%s", i, name) }
		switch {
		case !validKey(s.Key):
			v.Add(f("key"), "error.dunning.stage_key", nil)
		case keys[s.Key]:
			v.Add(f("key"), "error.dunning.stage_key_taken", nil)
		}
		keys[s.Key] = true
		if !s.Kind.Valid() {
			v.Add(f("kind"), "error.dunning.kind", nil)
		} else {
			counts[s.Kind]++
			if i > 0 && p.Stages[i-1].Kind.Valid() && s.Kind.rank() < p.Stages[i-1].Kind.rank() {
				v.Add(f("kind"), "error.dunning.kind_order", nil)
			}
			if (s.Kind == Final || s.Kind == Handover) && counts[s.Kind] > 1 {
				v.Add(f("kind"), "error.dunning.kind_once", nil)
			}
		}
		switch {
		case s.Offset < MinOffset || s.Offset > MaxOffset:
			v.Add(f("offset"), "error.dunning.offset_range", map[string]any{"Min": MinOffset, "Max": MaxOffset})
		case s.Kind == Nudge && s.Offset >= 0:
			v.Add(f("offset"), "error.dunning.nudge_before_due", nil)
		case s.Kind != Nudge && s.Offset < 0:
			v.Add(f("offset"), "error.dunning.after_due", nil)
		case i > 0 && s.Offset <= p.Stages[i-1].Offset:
			v.Add(f("offset"), "error.dunning.offset_order", nil)
		}
		validChannel(&v, f, s.Channel, s.Fallbacks)
		if !s.Tone.Valid() {
			v.Add(f("tone"), "error.dunning.tone", nil)
		}
		switch {
		case s.FeeMinor < 0:
			v.Add(f("fee"), "error.dunning.fee_negative", nil)
		case s.FeeMinor > 0 && !s.Kind.Dunning():
			v.Add(f("fee"), "error.dunning.fee_not_allowed", nil)
		case s.FeeMinor > 0 && !seenDunning:
			v.Add(f("fee"), "error.dunning.fee_first_reminder", nil)
		case s.FeeMinor > MaxFeeMinor:
			v.Add(f("fee"), "error.dunning.fee_too_high", map[string]any{"Max": ar.Money{Minor: MaxFeeMinor, Currency: p.Currency}})
		}
		if s.Kind.Dunning() {
			seenDunning = true
		}
		if s.Experiment != nil {
			validExperiment(&v, f, p, i)
		}
	}
	return v.Err()
}

func validChannel(v *ar.Invalids, f func(string) string, c Channel, fallbacks []Channel) {
	if !c.Valid() {
		v.Add(f("channel"), "error.dunning.channel", nil)
		return
	}
	if c != Preferred && len(fallbacks) > 0 {
		v.Add(f("fallbacks"), "error.dunning.fallbacks", nil)
		return
	}
	seen := map[Channel]bool{}
	for _, fb := range fallbacks {
		if !fb.Valid() || fb == Preferred || seen[fb] {
			v.Add(f("fallbacks"), "error.dunning.fallbacks", nil)
			return
		}
		seen[fb] = true
	}
}

// validExperiment checks stage i's experiment: 2–5 variants with unique
// keys, weights 1–100 summing to 100, valid overrides, and timing shifts
// that keep every variant strictly between the neighbouring stages'
// variants (so the stage order holds for every debtor).
func validExperiment(v *ar.Invalids, f func(string) string, p *Policy, i int) {
	e := p.Stages[i].Experiment
	if !validKey(e.ID) {
		v.Add(f("experiment.id"), "error.dunning.experiment_id", nil)
	}
	if len(e.Variants) < MinVariants || len(e.Variants) > MaxVariants {
		v.Add(f("experiment.variants"), "error.dunning.variants_count", map[string]any{"Min": MinVariants, "Max": MaxVariants})
		return
	}
	keys := map[string]bool{}
	sum := 0
	for j, va := range e.Variants {
		g := func(name string) string { return f(fmt.Sprintf("experiment.variants.%d.%s", j, name)) }
		if !validKey(va.Key) || keys[va.Key] {
			v.Add(g("key"), "error.dunning.variant_key", nil)
		}
		keys[va.Key] = true
		if va.Weight < 1 || va.Weight > weightsPercent {
			v.Add(g("weight"), "error.dunning.variant_weight", nil)
		}
		sum += va.Weight
		if va.Tone != "" && !va.Tone.Valid() {
			v.Add(g("tone"), "error.dunning.tone", nil)
		}
		if va.Channel != "" && !va.Channel.Valid() {
			v.Add(g("channel"), "error.dunning.channel", nil)
		}
		if va.ShiftDays < -MaxShiftDays || va.ShiftDays > MaxShiftDays {
			v.Add(g("shift"), "error.dunning.variant_shift", map[string]any{"Max": MaxShiftDays})
		}
	}
	if sum != weightsPercent {
		v.Add(f("experiment.weights"), "error.dunning.variant_weights_sum", map[string]any{"Sum": sum})
	}
	lo, hi := p.Stages[i].offsets()
	if i > 0 {
		if _, prevHi := p.Stages[i-1].offsets(); lo <= prevHi {
			v.Add(f("experiment.shift"), "error.dunning.variant_order", nil)
		}
	}
	if i+1 < len(p.Stages) {
		if nextLo, _ := p.Stages[i+1].offsets(); hi >= nextLo {
			v.Add(f("experiment.shift"), "error.dunning.variant_order", nil)
		}
	}
	if s := p.Stages[i]; (s.Kind == Nudge && hi >= 0) || (s.Kind != Nudge && lo < 0) {
		v.Add(f("experiment.shift"), "error.dunning.variant_order", nil)
	}
}

// offsets is the earliest and latest offset of the stage over its
// variants.
func (s *Stage) offsets() (lo, hi int) {
	lo, hi = s.Offset, s.Offset
	if s.Experiment == nil {
		return
	}
	for _, va := range s.Experiment.Variants {
		lo, hi = min(lo, s.Offset+va.ShiftDays), max(hi, s.Offset+va.ShiftDays)
	}
	return
}

// NextAfter is the index of the first stage after the one done last,
// identified by its key and offset as the engine recorded them. Stage
// keys survive edits of a policy, indexes need not: when the key is gone
// (the stage was deleted), the next stage is the first one that comes
// later than the done stage did. doneKey "" means nothing done yet: 0.
func (p *Policy) NextAfter(doneKey string, doneOffset int) int {
	if doneKey == "" {
		return 0
	}
	for i := range p.Stages {
		if p.Stages[i].Key == doneKey {
			return i + 1
		}
	}
	for i := range p.Stages {
		if p.Stages[i].Offset > doneOffset {
			return i
		}
	}
	return len(p.Stages)
}

// Stage returns the stage with the key, or nil.
func (p *Policy) Stage(key string) *Stage {
	for i := range p.Stages {
		if p.Stages[i].Key == key {
			return &p.Stages[i]
		}
	}
	return nil
}

// Built-in policy keys.
const (
	PolicyGentle   = "gentle"
	PolicyStandard = "standard"
	PolicyHardship = "hardship"
)

// DefaultPolicies is the set a creditor starts with (all in currency):
//
//   - gentle, for good payers: a friendly nudge 3 days before the due
//     date and a soft reminder 3 days after it, a first reminder at +14
//     and a final notice at +28; no fees and no hand-over (a good payer
//     who stays silent that long deserves a call, not a collection agency).
//   - standard: nudge −3, soft reminder on the due date, first reminder
//     +7 (no fee: it puts the debtor in default), second reminder +14,
//     final notice +28 (each with a 2.50 fee; FeeRules may lower or waive
//     it), hand-over +42.
//   - hardship, for debtors flagged as in hardship: friendly throughout,
//     a soft reminder on the due date, reminders at +14 and +42 by the
//     debtor's preferred channel, no fees and no hand-over.
func DefaultPolicies(currency string) []Policy {
	pref := []Channel{Email, SMS, Letter}
	return []Policy{
		{Key: PolicyGentle, NameKey: "staff.dunning.policy.gentle", Currency: currency, Stages: []Stage{
			{Key: "nudge", Kind: Nudge, Offset: -3, Channel: Email, Tone: Friendly},
			{Key: "soft", Kind: Soft, Offset: 3, Channel: Preferred, Fallbacks: pref, Tone: Friendly},
			{Key: "reminder-1", Kind: Reminder, Offset: 14, Channel: Preferred, Fallbacks: pref, Tone: Friendly},
			{Key: "final", Kind: Final, Offset: 28, Channel: Letter, Tone: Neutral},
		}},
		{Key: PolicyStandard, NameKey: "staff.dunning.policy.standard", Currency: currency, Stages: []Stage{
			{Key: "nudge", Kind: Nudge, Offset: -3, Channel: Email, Tone: Friendly},
			{Key: "soft", Kind: Soft, Offset: 0, Channel: Preferred, Fallbacks: pref, Tone: Friendly},
			{Key: "reminder-1", Kind: Reminder, Offset: 7, Channel: Preferred, Fallbacks: pref, Tone: Neutral},
			{Key: "reminder-2", Kind: Reminder, Offset: 14, Channel: Preferred, Fallbacks: pref, Tone: Neutral, FeeMinor: 250},
			{Key: "final", Kind: Final, Offset: 28, Channel: Letter, Tone: Firm, FeeMinor: 250},
			{Key: "handover", Kind: Handover, Offset: 42, Channel: Letter, Tone: Firm},
		}},
		{Key: PolicyHardship, NameKey: "staff.dunning.policy.hardship", Currency: currency, Stages: []Stage{
			{Key: "soft", Kind: Soft, Offset: 0, Channel: Preferred, Fallbacks: pref, Tone: Friendly},
			{Key: "reminder-1", Kind: Reminder, Offset: 14, Channel: Preferred, Fallbacks: pref, Tone: Friendly},
			{Key: "reminder-2", Kind: Reminder, Offset: 42, Channel: Preferred, Fallbacks: pref, Tone: Friendly},
		}},
	}
}

// Reach is where a debtor can be reached: their preferred channel and
// which addresses are on file.
type Reach struct {
	Preferred Channel // Email, SMS or Letter; "" when they have not said
	Email     bool
	SMS       bool
	Letter    bool // a postal address
}

func (r Reach) has(c Channel) bool {
	switch c {
	case Email:
		return r.Email
	case SMS:
		return r.SMS
	case Letter:
		return r.Letter
	}
	return false
}

// ResolveChannel is the concrete channel for a step: a fixed channel if
// the debtor has that address; for Preferred the debtor's preferred
// channel, else the first fallback with an address. False when the
// debtor cannot be reached that way (the engine flags the invoice for
// staff rather than skipping the stage silently).
func ResolveChannel(c Channel, fallbacks []Channel, r Reach) (Channel, bool) {
	if c != Preferred {
		return c, r.has(c)
	}
	if r.Preferred != Preferred && r.has(r.Preferred) {
		return r.Preferred, true
	}
	for _, f := range fallbacks {
		if r.has(f) {
			return f, true
		}
	}
	return "", false
}
