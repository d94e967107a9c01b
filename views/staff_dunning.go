package views

import (
	"context"
	"strconv"
	"time"

	"github.com/a-h/templ"
)

// dunning admin (issue 9): the view models of the dunning settings pages.

// StaffDunningVM is the dunning settings page: the policies, the
// settings form (segments, fees and interest, timing), the last runs and
// a dry run's report.
type StaffDunningVM struct {
	Notice   string
	Currency string
	Policies []DunningPolicyRow
	Options  []DunningPolicyOption // for the segment rules' selects
	Form     DunningSettingsForm
	Errors   map[string]FieldErr
	Runs     []DunningRunRow
	DryRun   *DunningRunRow // the report of a dry run just made
	CanRun   bool           // the engine is available for a dry run
}

// Err is the field's error, or nil.
func (vm StaffDunningVM) Err(field string) *FieldErr {
	if e, ok := vm.Errors[field]; ok {
		return &e
	}
	return nil
}

// DunningPolicyRow is one policy in the list.
type DunningPolicyRow struct {
	Key     string
	Name    string // the creditor's label, or "" for NameKey
	NameKey string
	BuiltIn bool // one of the built-in keys
	Edited  bool // stored by the creditor (for a built-in key: changed)
	Version int
	Stages  []DunningStageRow
}

// DunningStageRow is one stage, readable.
type DunningStageRow struct {
	Key        string
	Offset     int
	Kind       string
	Channel    string
	Fallbacks  []string
	Tone       string
	FeeMinor   int64
	Experiment string // the experiment's id, "" none
	Variants   int
}

// DunningPolicyOption is a policy a segment rule can name.
type DunningPolicyOption struct {
	Key, Name, NameKey string
}

// DunningSettingsForm is the settings form as typed.
type DunningSettingsForm struct {
	SendAt, QuietFrom, QuietTo             string
	QuietSundays, QuietHolidays, National  bool
	Holidays                               string // one date per line
	CapHours, PayDays, LetterDays          string
	ChargeFees, ChargeInterest, Hardship   bool
	ConsumerCap, BusinessFlat, DefaultMode string
	Default                                string // the default policy
	Rules                                  []DunningRuleForm
}

// DunningRuleForm is one segment rule as typed (the last one of the form
// is empty: filled in, it adds a rule).
type DunningRuleForm struct {
	Name, Policy, Hardship      string // Hardship: "", "yes", "no"
	Consumer, Business          bool
	Segments, MinOpen, MaxOpen  string
	Behaviour, MinProp, MaxProp string
	// Behaviour thresholds, kept as they are (not edited here).
	MinOnTime, MinTenure, MinLate string
	Remove                        bool
}

// DunningRunRow is one run of the engine (or a dry run's report).
type DunningRunRow struct {
	Started       time.Time
	AsOf          time.Time
	Dry, Finished bool
	Invoices      int
	Messages      int
	Actions       []DunningCount
	Held          []DunningCount
	FeesMinor     int64
	InterestMinor int64
}

// DunningCount is a count by a key ("reminder/email", "dispute").
type DunningCount struct {
	Key   string
	Count int
}

// StaffDunningPolicyVM is a policy's editor with the preview of each
// stage's message.
type StaffDunningPolicyVM struct {
	Key      string
	New      bool
	BuiltIn  bool
	Edited   bool
	Version  int
	Name     string
	NameKey  string // the built-in name, shown while Name is empty
	Rows     []DunningStageForm
	Errors   map[string]FieldErr
	Notice   string
	Currency string
	Preview  *DunningPreviewVM
}

// Err is the field's error, or nil.
func (vm StaffDunningPolicyVM) Err(field string) *FieldErr {
	if e, ok := vm.Errors[field]; ok {
		return &e
	}
	return nil
}

// RowErr is the first error of stage row i's field, or nil.
func (vm StaffDunningPolicyVM) RowErr(i int, field string) *FieldErr {
	return vm.Err("stages." + strconv.Itoa(i) + "." + field)
}

// ExperimentErr is an error of row i's experiment, or nil.
func (vm StaffDunningPolicyVM) ExperimentErr(i int) *FieldErr {
	prefix := "stages." + strconv.Itoa(i) + ".experiment"
	for k, e := range vm.Errors {
		if len(k) >= len(prefix) && k[:len(prefix)] == prefix {
			return &e
		}
	}
	return nil
}

// DunningStageForm is one stage row as typed (the last row is empty:
// filled in, it adds a stage).
type DunningStageForm struct {
	Key        string
	Offset     string
	Kind       string
	Channel    string
	Fallbacks  [3]string
	Tone       string
	Fee        string
	Remove     bool
	Experiment string // kept as it is: edited elsewhere
}

// DunningPreviewVM is the preview of every stage for a sample debtor.
type DunningPreviewVM struct {
	Customer string // the customer number asked for
	Error    string // a key: the customer number was not found
	Debtor   string
	Number   string
	Sample   bool
	Lang     string
	Currency string
	Stages   []DunningStagePreview
}

// DunningStagePreview is one stage's message for the debtor.
type DunningStagePreview struct {
	Key, Kind, Tone string
	Channel         string // what the debtor gets; "" none
	Variant         string
	Handoff         bool
	Items           []DunningPreviewItem
	TotalMinor      int64
	Texts           []DunningPreviewText
}

// DunningPreviewItem is an invoice of a preview.
type DunningPreviewItem struct {
	Number                               string
	DueDate                              time.Time
	AmountMinor, FeeMinor, InterestMinor int64
}

// DunningPreviewText is the message in one language by one channel.
type DunningPreviewText struct {
	Lang, Channel, Subject, Body string
	Segments                     int // SMS parts
}

// offsetText reads an offset as a day relative to the due date.
func offsetText(ctx context.Context, n int) string {
	switch {
	case n < 0:
		return T(ctx, "staff.dunning.settings.offset_before", "Days", -n)
	case n == 0:
		return T(ctx, "staff.dunning.settings.offset_due")
	}
	return T(ctx, "staff.dunning.settings.offset_after", "Days", n)
}

// policyName is a policy's label.
func policyName(ctx context.Context, name, nameKey, key string) string {
	switch {
	case name != "":
		return name
	case nameKey != "":
		return tOr(ctx, nameKey, key)
	}
	return key
}

// countLabel names a report count: "reminder/email" → "Dunning letter ·
// Email", a hold reason by its key.
func countLabel(ctx context.Context, key string) string {
	for i := 0; i < len(key); i++ {
		if key[i] == '/' {
			kind, ch := key[:i], key[i+1:]
			chName := tOr(ctx, "staff.dunning.channel."+ch, ch)
			if ch == "none" {
				chName = T(ctx, "staff.dunning.settings.no_channel")
			}
			return tOr(ctx, "staff.dunning.kind."+kind, kind) + " · " + chName
		}
	}
	return tOr(ctx, "staff.dunning.settings.held."+key, key)
}

// langLabel names a language of a preview.
func langLabel(ctx context.Context, l string) string {
	return tOr(ctx, "staff.dunning.settings.lang."+l, l)
}

// rowID is the id of a form row's field.
func rowID(prefix string, i int, field string) string {
	return prefix + "." + strconv.Itoa(i) + "." + field
}

// previewLangs are the languages of a stage's texts, in order.
func previewLangs(texts []DunningPreviewText) []string {
	var out []string
	for _, t := range texts {
		if len(out) == 0 || out[len(out)-1] != t.Lang {
			out = append(out, t.Lang)
		}
	}
	return out
}

// policyAction is where the policy form posts: the policy, or the list
// for a new one.
func policyAction(vm StaffDunningPolicyVM) templ.SafeURL {
	if vm.New {
		return "/staff/settings/dunning/policies"
	}
	return templ.SafeURL("/staff/settings/dunning/policies/" + vm.Key)
}
