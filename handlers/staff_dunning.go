package handlers

// dunning admin (issue 9): shared by the dunning settings pages — the
// creditor's configuration, the policy form and the settings form, and
// turning domain errors into field messages.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/dunning"
	"github.com/settle/settle/internal/i18n"
	"github.com/settle/settle/internal/notify"
	"github.com/settle/settle/views"
)

// dunningRunsShown is how many of the last runs the page lists.
const dunningRunsShown = 10

// dunningConfig is the creditor's dunning configuration (stored or
// built in) as of now.
func (s *Server) dunningConfig(ctx context.Context, sc *staffCtx) (*dunning.Config, error) {
	return dunning.LoadConfig(ctx, s.Store, sc.creditor, s.Now())
}

// dunningPolicyKeys are the policies' keys: the built-in ones in their
// order, then the creditor's own by key.
func dunningPolicyKeys(cfg *dunning.Config) []string {
	var keys, own []string
	for _, p := range dunning.DefaultPolicies(cfg.Creditor.Currency) {
		keys = append(keys, p.Key)
	}
	for k := range cfg.Policies {
		if !dunning.IsBuiltIn(k) {
			own = append(own, k)
		}
	}
	sort.Strings(own)
	return append(keys, own...)
}

// dunningVM is the overview page for the configuration and a settings
// form (nil: the stored settings).
func (s *Server) dunningVM(ctx context.Context, sc *staffCtx, cfg *dunning.Config, loc *i18n.Locale, form *views.DunningSettingsForm) (views.StaffDunningVM, error) {
	vm := views.StaffDunningVM{Currency: sc.creditor.Currency, CanRun: s.Dunning != nil}
	for _, k := range dunningPolicyKeys(cfg) {
		p := cfg.Policies[k]
		row := views.DunningPolicyRow{Key: k, Name: p.Name, NameKey: p.NameKey, BuiltIn: dunning.IsBuiltIn(k),
			Edited: cfg.Versions[k] > 0, Version: cfg.Versions[k]}
		for _, st := range p.Stages {
			sr := views.DunningStageRow{Key: st.Key, Offset: st.Offset, Kind: string(st.Kind), Channel: string(st.Channel),
				Tone: string(st.Tone), FeeMinor: st.FeeMinor}
			for _, f := range st.Fallbacks {
				sr.Fallbacks = append(sr.Fallbacks, string(f))
			}
			if st.Experiment != nil {
				sr.Experiment, sr.Variants = st.Experiment.ID, len(st.Experiment.Variants)
			}
			row.Stages = append(row.Stages, sr)
		}
		vm.Policies = append(vm.Policies, row)
		vm.Options = append(vm.Options, views.DunningPolicyOption{Key: k, Name: p.Name, NameKey: p.NameKey})
	}
	if form != nil {
		vm.Form = *form
	} else {
		vm.Form = settingsForm(cfg.Settings, loc.Lang)
	}
	runs, err := s.Store.DunningRuns(ctx, sc.creditorID(), dunningRunsShown)
	if err != nil {
		return vm, err
	}
	for _, r := range runs {
		var rep dunning.Report
		if len(r.Stats) > 0 {
			if err := json.Unmarshal(r.Stats, &rep); err != nil {
				return vm, fmt.Errorf("dunning run %d: stats: %w", r.ID, err)
			}
		}
		row := reportRow(&rep)
		row.Started, row.AsOf, row.Dry, row.Finished = r.StartedAt, r.AsOf, r.DryRun, r.FinishedAt != nil
		vm.Runs = append(vm.Runs, row)
	}
	return vm, nil
}

// reportRow shows a run's report.
func reportRow(rep *dunning.Report) views.DunningRunRow {
	row := views.DunningRunRow{AsOf: rep.AsOf, Dry: rep.DryRun, Finished: true, Invoices: rep.Invoices,
		Messages: rep.Messages, FeesMinor: rep.FeesMinor, InterestMinor: rep.InterestMinor,
		Actions: sortedCounts(rep.Actions), Held: sortedCounts(rep.Held)}
	return row
}

// sortedCounts lists counts by key.
func sortedCounts(m map[string]int) []views.DunningCount {
	out := make([]views.DunningCount, 0, len(m))
	for k, n := range m {
		if n > 0 {
			out = append(out, views.DunningCount{Key: k, Count: n})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// clockText writes minutes after midnight as HH:MM.
func clockText(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// parseClock reads HH:MM (or H:MM, HH.MM) as minutes after midnight.
func parseClock(v string) (int, bool) {
	v = strings.TrimSpace(strings.Replace(v, ".", ":", 1))
	h, m, ok := strings.Cut(v, ":")
	if !ok {
		return 0, false
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 || len(m) != 2 {
		return 0, false
	}
	return hh*60 + mm, true
}

// settingsForm shows settings in the form (with an empty rule row at
// the end).
func settingsForm(st dunning.Settings, lang string) views.DunningSettingsForm {
	itoa := strconv.Itoa
	f := views.DunningSettingsForm{SendAt: clockText(st.SendAt), QuietFrom: clockText(st.Quiet.From),
		QuietTo: clockText(st.Quiet.To), QuietSundays: st.Quiet.Sundays, QuietHolidays: st.Quiet.Holidays,
		National: !st.NoNationalHolidays, Holidays: strings.Join(st.Holidays, "\n"), CapHours: itoa(st.CapHours),
		PayDays: itoa(st.PayDays), LetterDays: itoa(st.LetterDays), ChargeFees: st.Fees.ChargeFees,
		ChargeInterest: st.Fees.ChargeInterest, Hardship: st.HardshipFlow,
		ConsumerCap: formatAmountInput(st.Fees.ConsumerFeeCapMinor, lang), BusinessFlat: formatAmountInput(st.Fees.BusinessFlatMinor, lang),
		DefaultMode: st.DefaultMode, Default: st.Segmentation.Default}
	for _, r := range st.Segmentation.Rules {
		rf := views.DunningRuleForm{Name: r.Name, Policy: r.Policy, Consumer: slices.Contains(r.Kinds, dunning.Consumer),
			Business: slices.Contains(r.Kinds, dunning.Business), Segments: strings.Join(r.Segments, ", "),
			Behaviour: string(r.Behaviour), MinOnTime: intText(r.MinOnTime), MinTenure: intText(r.MinTenureMonths),
			MinLate: intText(r.MinLate)}
		if r.Hardship != nil {
			rf.Hardship = map[bool]string{true: "yes", false: "no"}[*r.Hardship]
		}
		if r.MinOpen > 0 {
			rf.MinOpen = formatAmountInput(r.MinOpen, lang)
		}
		if r.MaxOpen > 0 {
			rf.MaxOpen = formatAmountInput(r.MaxOpen, lang)
		}
		rf.MinProp, rf.MaxProp = scoreText(r.MinPropensity, lang), scoreText(r.MaxPropensity, lang)
		f.Rules = append(f.Rules, rf)
	}
	f.Rules = append(f.Rules, views.DunningRuleForm{})
	return f
}

func intText(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// scoreText writes a propensity score for an input ("" for 0).
func scoreText(v float64, lang string) string {
	if v == 0 {
		return ""
	}
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if lang != "en" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// parseScore reads a score from 0 to 1 ("0,5", "0.5"); "" is 0.
func parseScore(v string) (float64, bool) {
	v = strings.TrimSpace(strings.Replace(v, ",", ".", 1))
	if v == "" {
		return 0, true
	}
	f, err := strconv.ParseFloat(v, 64)
	return f, err == nil
}

// dunningFieldErrors turns domain field errors into form errors with
// their arguments in loc's language; ok is false for other errors.
func dunningFieldErrors(loc *i18n.Locale, err error, into map[string]views.FieldErr) bool {
	var list ar.Invalids
	if !errors.As(err, &list) {
		e, isErr := ar.AsError(err)
		if !isErr || e.Field == "" || e.Code != ar.Invalid {
			return false
		}
		list = ar.Invalids{e}
	}
	for _, e := range list {
		if _, seen := into[e.Field]; !seen {
			into[e.Field] = views.FieldErr{Key: e.Key, Args: localArgs(loc, e.Args)}
		}
	}
	return true
}

// policyRows shows a policy's stages in the form, with an empty row at
// the end to add one.
func policyRows(p *dunning.Policy, lang string) []views.DunningStageForm {
	var rows []views.DunningStageForm
	if p != nil {
		for _, st := range p.Stages {
			r := views.DunningStageForm{Key: st.Key, Offset: strconv.Itoa(st.Offset), Kind: string(st.Kind),
				Channel: string(st.Channel), Tone: string(st.Tone)}
			for i, f := range st.Fallbacks {
				if i < len(r.Fallbacks) {
					r.Fallbacks[i] = string(f)
				}
			}
			if st.FeeMinor > 0 {
				r.Fee = formatAmountInput(st.FeeMinor, lang)
			}
			if st.Experiment != nil {
				r.Experiment = st.Experiment.ID
			}
			rows = append(rows, r)
		}
	}
	return append(rows, views.DunningStageForm{})
}

// parsedStage is a stage row of the form with what could be read.
type parsedStage struct {
	row    views.DunningStageForm
	offset int
	fee    int64
	errs   map[string]string // field → key: what could not be read
}

// parsePolicyForm reads the policy form: the rows that are neither
// removed nor empty, in order of their day when every day could be read,
// as stages of a policy for key (new stages get a key from their kind;
// a stage keeps the experiment old gave it). errs holds what could not
// be read and what Validate finds, by the field names of the rows shown
// again (rows: the stages and an empty row).
func parsePolicyForm(r *http.Request, loc *i18n.Locale, key string, old *dunning.Policy, currency string) (*dunning.Policy, []views.DunningStageForm, map[string]views.FieldErr) {
	n, _ := strconv.Atoi(r.PostFormValue("rows"))
	n = min(max(n, 0), 2*dunning.MaxStages+2)
	var list []parsedStage
	readable := true
	for i := range n {
		v := func(f string) string {
			return strings.TrimSpace(r.PostFormValue("stages." + strconv.Itoa(i) + "." + f))
		}
		if v("remove") != "" {
			continue
		}
		row := views.DunningStageForm{Key: v("key"), Offset: v("offset"), Kind: v("kind"), Channel: v("channel"),
			Tone: v("tone"), Fee: v("fee")}
		fbs := r.PostForm["stages."+strconv.Itoa(i)+".fallback"]
		k := 0
		for _, f := range fbs {
			if f = strings.TrimSpace(f); f != "" && k < len(row.Fallbacks) {
				row.Fallbacks[k] = f
				k++
			}
		}
		if row.Key == "" && row.Offset == "" && row.Kind == "" && row.Channel == "" && row.Tone == "" && row.Fee == "" && k == 0 {
			continue // the empty row
		}
		ps := parsedStage{row: row, errs: map[string]string{}}
		if off, err := strconv.Atoi(strings.TrimPrefix(row.Offset, "+")); err == nil {
			ps.offset = off
		} else {
			ps.errs["offset"] = "error.staff.dunning.whole_number"
			readable = false
		}
		if row.Fee != "" {
			if fee, ok := parseAmountInput(row.Fee); ok {
				ps.fee = fee
			} else {
				ps.errs["fee"] = "error.staff.dunning.amount"
			}
		}
		list = append(list, ps)
	}
	if readable {
		sort.SliceStable(list, func(i, j int) bool { return list[i].offset < list[j].offset })
	}
	p := &dunning.Policy{Key: key, Name: strings.TrimSpace(r.PostFormValue("name")), Currency: currency}
	if old != nil && p.Name == "" {
		p.NameKey = old.NameKey
	}
	taken := map[string]bool{}
	for _, ps := range list {
		taken[ps.row.Key] = ps.row.Key != ""
	}
	errs := map[string]views.FieldErr{}
	var rows []views.DunningStageForm
	for i, ps := range list {
		st := dunning.Stage{Key: ps.row.Key, Kind: dunning.Kind(ps.row.Kind), Offset: ps.offset,
			Channel: dunning.Channel(ps.row.Channel), Tone: dunning.Tone(ps.row.Tone), FeeMinor: ps.fee}
		for _, f := range ps.row.Fallbacks {
			if f != "" {
				st.Fallbacks = append(st.Fallbacks, dunning.Channel(f))
			}
		}
		if st.Key == "" {
			st.Key = newStageKey(string(st.Kind), taken)
			taken[st.Key] = true
			ps.row.Key = st.Key
		}
		if old != nil {
			if os := old.Stage(st.Key); os != nil && os.Experiment != nil {
				st.Experiment = os.Experiment
				ps.row.Experiment = os.Experiment.ID
			}
		}
		for f, k := range ps.errs {
			errs["stages."+strconv.Itoa(i)+"."+f] = views.FieldErr{Key: k}
		}
		p.Stages = append(p.Stages, st)
		rows = append(rows, ps.row)
	}
	dunningFieldErrors(loc, p.Validate(), errs)
	return p, append(rows, views.DunningStageForm{}), errs
}

// newStageKey is a key for a new stage of the kind that no other stage
// has: "reminder", else "reminder-2", "reminder-3" …
func newStageKey(kind string, taken map[string]bool) string {
	base := kind
	if !dunning.Kind(kind).Valid() {
		base = "stage"
	}
	if !taken[base] {
		return base
	}
	for i := 2; ; i++ {
		if k := base + "-" + strconv.Itoa(i); !taken[k] {
			return k
		}
	}
}

// dunningPreviewVM is the preview of a stored policy's stages for the
// debtor with the customer number asked for (?debtor=), by default the
// one whose open invoice is the longest overdue, else a made-up one.
func (s *Server) dunningPreviewVM(ctx context.Context, r *http.Request, sc *staffCtx, key string) (*views.DunningPreviewVM, error) {
	if s.Dunning == nil {
		return nil, nil
	}
	vm := &views.DunningPreviewVM{Customer: strings.TrimSpace(r.URL.Query().Get("debtor")), Currency: sc.creditor.Currency}
	var debtorID int64
	if vm.Customer != "" {
		d, err := s.Store.DebtorByNumber(ctx, sc.creditorID(), vm.Customer)
		switch {
		case err == nil:
			debtorID = d.ID
		case ar.ErrorCode(err) == ar.NotFound:
			vm.Error = "staff.dunning.settings.preview_not_found"
		default:
			return nil, err
		}
	}
	if debtorID == 0 {
		id, err := s.Store.FirstDunnableDebtor(ctx, sc.creditorID())
		if err != nil {
			return nil, err
		}
		debtorID = id
	}
	list, err := s.Dunning.Preview(ctx, sc.creditor, key, debtorID)
	if err != nil {
		return nil, err
	}
	for _, pv := range list {
		vm.Debtor, vm.Number, vm.Sample, vm.Lang = pv.Debtor, pv.Number, pv.Sample, pv.Lang
		sp := views.DunningStagePreview{Key: pv.Stage.Key, Kind: string(pv.Step.Kind), Tone: string(pv.Step.Tone),
			Channel: pv.Channel, Variant: pv.Variant, Handoff: pv.Handoff, TotalMinor: pv.Total}
		for _, it := range pv.Items {
			sp.Items = append(sp.Items, views.DunningPreviewItem{Number: it.Number, DueDate: it.DueDate,
				AmountMinor: it.AmountMinor, FeeMinor: it.FeeMinor, InterestMinor: it.InterestMinor})
		}
		for _, t := range pv.Texts {
			pt := views.DunningPreviewText{Lang: t.Lang, Channel: t.Channel, Subject: t.Subject, Body: t.Body}
			if t.Channel == "sms" {
				_, pt.Segments = notify.SMSSegments(t.Body)
			}
			sp.Texts = append(sp.Texts, pt)
		}
		vm.Stages = append(vm.Stages, sp)
	}
	return vm, nil
}

// dunningPolicyVM is a policy's page for the stored (or built-in)
// policy key of cfg, with rows and errors when given.
func (s *Server) dunningPolicyVM(ctx context.Context, r *http.Request, sc *staffCtx, cfg *dunning.Config, key string, loc *i18n.Locale) (views.StaffDunningPolicyVM, error) {
	p := cfg.Policies[key]
	vm := views.StaffDunningPolicyVM{Key: key, BuiltIn: dunning.IsBuiltIn(key), Edited: cfg.Versions[key] > 0,
		Version: cfg.Versions[key], Name: p.Name, NameKey: p.NameKey, Rows: policyRows(p, loc.Lang),
		Currency: sc.creditor.Currency}
	pv, err := s.dunningPreviewVM(ctx, r, sc, key)
	if err != nil {
		return vm, err
	}
	vm.Preview = pv
	return vm, nil
}

// dunningPolicyParam is {policy}: a key of the creditor's policies
// (built in or their own); anything else is not found.
func dunningPolicyParam(r *http.Request, cfg *dunning.Config) (string, error) {
	key := r.PathValue("policy")
	if cfg.Policies[key] == nil {
		return "", ar.Errorf(ar.NotFound, "error.not_found")
	}
	return key, nil
}
