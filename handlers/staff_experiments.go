package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/dunning"
	"github.com/settle/settle/internal/i18n"
	"github.com/settle/settle/internal/store"
	"github.com/settle/settle/views"
)

// experiments (issue 9): helpers of the experiments pages and the
// debtor view's propensity score.

// experimentMinSample is how many actions at least 14 days old each
// variant needs before the page names a leader.
const experimentMinSample = 30

// experimentSignificance is the p-value below which a difference is
// called significant.
const experimentSignificance = 0.05

// experimentsPage builds the experiments page; errs are the end form's
// errors of one experiment (id → field → text).
func (s *Server) experimentsPage(ctx context.Context, sc *staffCtx, loc *i18n.Locale, errs map[string]map[string]string) (views.StaffExperimentsVM, error) {
	vm := views.StaffExperimentsVM{MinSample: experimentMinSample}
	c := sc.creditor
	cfg, err := dunning.LoadConfig(ctx, s.Store, c, s.Now())
	if err != nil {
		return vm, err
	}
	outcomes, err := s.Store.ExperimentOutcomes(ctx, c.ID, s.Now())
	if err != nil {
		return vm, err
	}
	byVariant := map[[2]string]store.VariantOutcome{}
	for _, o := range outcomes {
		byVariant[[2]string{o.Experiment, o.Variant}] = o
	}
	for _, run := range cfg.Running() {
		e := views.ExperimentVM{ID: run.Experiment.ID, Policy: policyName(loc, run.Policy), Stage: run.Stage.Key,
			StageKey: run.Stage.Kind.Key(), Currency: c.Currency, Errors: errs[run.Experiment.ID]}
		var rows []store.VariantOutcome
		for _, v := range run.Experiment.Variants {
			o := byVariant[[2]string{run.Experiment.ID, v.Key}]
			o.Variant = v.Key
			rows = append(rows, o)
			e.Variants = append(e.Variants, views.VariantVM{Key: v.Key, Weight: v.Weight, Change: variantChange(loc, v)})
		}
		fillOutcomes(loc, &e, rows)
		vm.Running = append(vm.Running, e)
	}
	ended, err := s.Store.EndedExperiments(ctx, c.ID)
	if err != nil {
		return vm, err
	}
	zone := c.Location()
	for _, x := range ended {
		e := views.ExperimentVM{ID: x.Experiment, Policy: x.PolicyKey, Stage: x.Stage, Currency: c.Currency,
			Winner: x.Winner, EndedAt: loc.DateTime(x.EndedAt.In(zone))}
		if p := cfg.Policies[x.PolicyKey]; p != nil {
			e.Policy = policyName(loc, p)
			if st := p.Stage(x.Stage); st != nil {
				e.StageKey = st.Kind.Key()
			}
		}
		if e.StageKey == "" {
			e.StageKey = "staff.experiments.stage_gone"
		}
		if x.EndedEmail != nil {
			e.EndedBy = *x.EndedEmail
		}
		var rows []store.VariantOutcome
		for _, o := range outcomes {
			if o.Experiment == x.Experiment {
				rows = append(rows, o)
			}
		}
		// The control's place is not kept after the end: the winner first.
		sort.SliceStable(rows, func(i, j int) bool { return rows[i].Variant == x.Winner && rows[j].Variant != x.Winner })
		for _, o := range rows {
			e.Variants = append(e.Variants, views.VariantVM{Key: o.Variant})
		}
		fillOutcomes(loc, &e, rows)
		e.Verdict, e.VerdictArgs = "staff.experiments.verdict.ended", []any{"Winner", x.Winner}
		vm.Ended = append(vm.Ended, e)
	}
	m, err := s.Store.LatestPropensityModel(ctx, c.ID)
	if err != nil {
		return vm, err
	}
	if m != nil {
		var model dunning.Model
		if err := json.Unmarshal(m.Model, &model); err != nil {
			return vm, fmt.Errorf("propensity model %d: %w", m.ID, err)
		}
		mv := &views.PropensityModelVM{TrainedAt: loc.DateTime(m.TrainedAt.In(zone)), TrainRows: m.TrainRows,
			HoldoutRows: m.HoldoutRows, BaseRate: int(math.Round(model.BaseRate * 100))}
		if m.AUC != nil {
			mv.AUC = decimalText(loc, *m.AUC, 2)
		}
		for i, f := range model.Features {
			w := model.Weights[i]
			mv.Features = append(mv.Features, views.FeatureWeightVM{Key: dunning.FeatureKey(f), Weight: signed(loc, w),
				Mean: decimalText(loc, model.Means[i], 2), Raises: w >= 0})
		}
		vm.Model = mv
	}
	return vm, nil
}

// fillOutcomes puts the outcomes (in the order of e.Variants) into the
// rows and works out the verdict on "paid within 14 days".
func fillOutcomes(loc *i18n.Locale, e *views.ExperimentVM, rows []store.VariantOutcome) {
	for i, o := range rows {
		v := &e.Variants[i]
		v.Actions, v.CollectedMinor = o.Actions, o.CollectedMinor
		v.Reached, v.Opened = rate(o.Reached, o.Actions), rate(o.Opened, o.Actions)
		v.Paid7, v.Paid14, v.Paid30 = rate(o.Paid7, o.Matured7), rate(o.Paid14, o.Matured14), rate(o.Paid30, o.Matured30)
		v.Disputes = rate(o.Disputes, o.Actions)
		if i > 0 && o.Matured14 > 0 && rows[0].Matured14 > 0 {
			p := dunning.TwoProportionP(rows[0].Paid14, rows[0].Matured14, o.Paid14, o.Matured14)
			v.Paid14.PValue, v.Paid14.Significance = decimalText(loc, p, 3), p < experimentSignificance
		}
	}
	if len(rows) == 0 {
		e.Verdict, e.VerdictArgs = "staff.experiments.verdict.not_enough", []any{"Min", experimentMinSample, "N", 0}
		return
	}
	smallest := rows[0].Matured14
	for _, o := range rows {
		smallest = min(smallest, o.Matured14)
	}
	if smallest < experimentMinSample {
		e.Verdict, e.VerdictArgs = "staff.experiments.verdict.not_enough", []any{"Min", experimentMinSample, "N", smallest}
		return
	}
	lead := 0
	share := func(o store.VariantOutcome) float64 { return float64(o.Paid14) / float64(o.Matured14) }
	for i, o := range rows {
		if share(o) > share(rows[lead]) {
			lead = i
		}
	}
	ctrl := e.Variants[0].Paid14.Pct
	if lead == 0 {
		e.Verdict, e.VerdictArgs = "staff.experiments.verdict.control_leads", []any{"Variant", rows[0].Variant, "Rate", ctrl}
		return
	}
	v := e.Variants[lead]
	key := "staff.experiments.verdict.leads_chance"
	if v.Paid14.Significance {
		key = "staff.experiments.verdict.leads_significant"
	}
	e.Verdict, e.VerdictArgs = key, []any{"Variant", v.Key, "Rate", v.Paid14.Pct, "Control", ctrl, "P", v.Paid14.PValue}
}

// rate is x of n with its 95 % Wilson interval in whole per cent.
func rate(x, n int) views.RateVM {
	r := views.RateVM{X: x, N: n}
	if n == 0 {
		return r
	}
	lo, hi := dunning.Wilson(x, n)
	r.HasInterval = true
	r.Pct = int(math.Round(100 * float64(x) / float64(n)))
	r.Lo, r.Hi = int(math.Round(100*lo)), int(math.Round(100*hi))
	return r
}

// decimalText formats f with prec decimals in loc's language.
func decimalText(loc *i18n.Locale, f float64, prec int) string {
	s := strconv.FormatFloat(f, 'f', prec, 64)
	if loc.Lang == "de" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// signed formats a weight with its sign (a true minus sign).
func signed(loc *i18n.Locale, f float64) string {
	if f < 0 {
		return "−" + decimalText(loc, -f, 2)
	}
	return "+" + decimalText(loc, f, 2)
}

// policyName is a policy's name for staff.
func policyName(loc *i18n.Locale, p *dunning.Policy) string {
	if p.Name != "" {
		return p.Name
	}
	if p.NameKey != "" {
		return loc.T(p.NameKey)
	}
	return p.Key
}

// variantChange says in words what a variant changes about its stage.
func variantChange(loc *i18n.Locale, v dunning.Variant) string {
	var parts []string
	if v.Tone != "" {
		parts = append(parts, loc.T("staff.experiments.change.tone", "Tone", loc.T(v.Tone.Key())))
	}
	if v.Channel != "" {
		parts = append(parts, loc.T("staff.experiments.change.channel", "Channel", loc.T(v.Channel.Key())))
	}
	if v.ShiftDays != 0 {
		parts = append(parts, loc.N("staff.experiments.change.shift", max(v.ShiftDays, -v.ShiftDays), "Days", fmt.Sprintf("%+d", v.ShiftDays)))
	}
	if len(parts) == 0 {
		return loc.T("staff.experiments.change.none")
	}
	return strings.Join(parts, ", ")
}

// experimentTargets are the stages of the creditor's policies an
// experiment can start on (those without one running), by policy key.
func experimentTargets(loc *i18n.Locale, cfg *dunning.Config) []views.ExperimentTargetVM {
	keys := make([]string, 0, len(cfg.Policies))
	for k := range cfg.Policies {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var list []views.ExperimentTargetVM
	for _, k := range keys {
		p := cfg.Policies[k]
		for _, st := range p.Stages {
			if st.Experiment != nil || st.Kind == dunning.Handover {
				continue
			}
			list = append(list, views.ExperimentTargetVM{Value: k + "/" + st.Key, Policy: policyName(loc, p), Stage: st.Key,
				Kind: st.Kind.Key(), Tone: st.Tone.Key(), Offset: st.Offset})
		}
	}
	return list
}

// experimentFormErrors turns the errors of starting an experiment into
// the form's fields with translated texts: the policy's field names
// ("stages.2.experiment.variants.0.weight") become the form's
// ("v0_weight"). ok is false for errors that are not about the input.
func experimentFormErrors(loc *i18n.Locale, currency string, err error) (map[string]string, bool) {
	var list ar.Invalids
	if !errors.As(err, &list) {
		e, isErr := ar.AsError(err)
		if !isErr || e.Field == "" || e.Code == ar.Internal {
			return nil, false
		}
		list = ar.Invalids{e}
	}
	out := map[string]string{}
	for _, e := range list {
		field := e.Field
		if i := strings.Index(field, ".experiment."); i >= 0 {
			field = field[i+len(".experiment."):]
		}
		switch {
		case field == "policy" || field == "stage":
			field = "target"
		case strings.HasPrefix(field, "variants."):
			parts := strings.Split(field, ".")
			if len(parts) == 3 {
				field = "v" + parts[1] + "_" + parts[2]
			}
		case field == "id" || field == "variants" || field == "weights" || field == "shift":
		default:
			field = "form"
		}
		if _, taken := out[field]; !taken {
			out[field] = errText(loc, currency, e)
		}
	}
	return out, true
}

// debtorPropensity fills the debtor view's propensity score and its
// top factors.
func (s *Server) debtorPropensity(ctx context.Context, sc *staffCtx, debtorID int64, vm *views.StaffDebtorVM) error {
	p, factors, err := s.Store.DebtorPropensity(ctx, sc.creditorID(), debtorID)
	if err != nil || p == nil {
		return err
	}
	pv := views.StaffPropensityVM{Has: true, Pct: int(math.Round(*p * 100))}
	var list []dunning.Factor
	if len(factors) > 0 {
		if err := json.Unmarshal(factors, &list); err != nil {
			return err
		}
	}
	for _, f := range list {
		pv.Factors = append(pv.Factors, views.PropensityFactorVM{Key: dunning.FeatureKey(f.Feature), Raises: f.Contribution > 0})
	}
	vm.Propensity = pv
	return nil
}

// renderExperiments renders the experiments page with a status.
func (s *Server) renderExperiments(w http.ResponseWriter, r *http.Request, sc *staffCtx, status int, notice string, errs map[string]map[string]string) error {
	loc := s.staffLocale(w, r, sc)
	vm, err := s.experimentsPage(r.Context(), sc, loc, errs)
	if err != nil {
		return err
	}
	vm.Notice = notice
	return s.renderStaff(w, r, status, sc, views.StaffExperimentsPage(vm))
}
