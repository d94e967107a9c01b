package handlers

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/dunning"
	"github.com/settle/settle/views"
)

// staffDunningSettingsSave stores the settings form: the segment rules
// in the order of their rows (one move applied when an up/down button
// was pressed: move=up:<row> or down:<row>), the default policy, fees and
// interest, and timing; audited (dunning.settings_saved). Refused input
// comes back (422) with everything typed and what is wrong, in the staff
// member's language.
func (s *Server) staffDunningSettingsSave(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	if err := parseForm(w, r); err != nil {
		return ar.Errorf(ar.Invalid, "error.form")
	}
	ctx := r.Context()
	cfg, err := s.dunningConfig(ctx, sc)
	if err != nil {
		return err
	}
	loc := s.staffLocale(w, r, sc)
	f, st, errs := parseSettingsForm(r, cfg.Settings)
	if len(errs) == 0 {
		_, err := dunning.SaveSettings(ctx, s.Store, sc.creditor, sc.sess.User.ID, st)
		if err == nil {
			return redirect(w, r, "/staff/settings/dunning?notice=saved")
		}
		if !dunningFieldErrors(loc, err, errs) {
			return err
		}
	} else {
		var policies []dunning.Policy
		for _, p := range cfg.Policies {
			policies = append(policies, *p)
		}
		dunningFieldErrors(loc, dunning.ValidateSettings(&st, policies), errs) // the rules too, not only what could not be read
	}
	vm, err := s.dunningVM(ctx, sc, cfg, loc, &f)
	if err != nil {
		return err
	}
	vm.Errors = errs
	return s.renderStaff(w, r, http.StatusUnprocessableEntity, sc, views.StaffDunningPage(vm))
}

// parseSettingsForm reads the settings form over the current settings
// (what the form does not show, such as the interest points, stays):
// the form as typed (rules: the kept rows and an empty one), the
// settings, and what could not be read (field → error).
func parseSettingsForm(r *http.Request, cur dunning.Settings) (views.DunningSettingsForm, dunning.Settings, map[string]views.FieldErr) {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	on := func(k string) bool { return r.PostFormValue(k) != "" }
	errs := map[string]views.FieldErr{}
	bad := func(field, key string) {
		if _, seen := errs[field]; !seen {
			errs[field] = views.FieldErr{Key: key}
		}
	}
	f := views.DunningSettingsForm{SendAt: v("send_at"), QuietFrom: v("quiet_from"), QuietTo: v("quiet_to"),
		QuietSundays: on("quiet_sundays"), QuietHolidays: on("quiet_holidays"), National: on("national_holidays"),
		Holidays: r.PostFormValue("holidays"), CapHours: v("cap_hours"), PayDays: v("pay_days"), LetterDays: v("letter_days"),
		ChargeFees: on("charge_fees"), ChargeInterest: on("charge_interest"), Hardship: on("hardship_flow"),
		ConsumerCap: v("consumer_cap"), BusinessFlat: v("business_flat"), DefaultMode: v("default_mode"), Default: v("default")}
	st := cur
	st.Quiet.Sundays, st.Quiet.Holidays, st.NoNationalHolidays = f.QuietSundays, f.QuietHolidays, !f.National
	st.Fees.ChargeFees, st.Fees.ChargeInterest, st.HardshipFlow = f.ChargeFees, f.ChargeInterest, f.Hardship
	st.DefaultMode, st.Segmentation.Default = f.DefaultMode, f.Default
	var ok bool
	if st.SendAt, ok = parseClock(f.SendAt); !ok {
		bad("send_at", "error.dunning.send_time")
	}
	if st.Quiet.From, ok = parseClock(f.QuietFrom); !ok {
		bad("quiet", "error.dunning.quiet_hours")
	}
	if st.Quiet.To, ok = parseClock(f.QuietTo); !ok {
		bad("quiet", "error.dunning.quiet_hours")
	}
	st.Holidays = nil
	for _, line := range strings.Split(f.Holidays, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			st.Holidays = append(st.Holidays, line)
		}
	}
	num := func(field, val string, dst *int) {
		n, err := strconv.Atoi(val)
		if err != nil {
			bad(field, "error.staff.dunning.whole_number")
		}
		*dst = n
	}
	num("cap_hours", f.CapHours, &st.CapHours)
	num("pay_days", f.PayDays, &st.PayDays)
	num("letter_days", f.LetterDays, &st.LetterDays)
	money := func(field, val string, dst *int64) {
		if val == "" {
			*dst = 0
			return
		}
		n, ok := parseAmountInput(val)
		if !ok {
			bad(field, "error.staff.dunning.amount")
		}
		*dst = n
	}
	money("consumer_cap", f.ConsumerCap, &st.Fees.ConsumerFeeCapMinor)
	money("business_flat", f.BusinessFlat, &st.Fees.BusinessFlatMinor)

	// The rule rows as sent, one move applied, then without the removed
	// and empty ones.
	n, _ := strconv.Atoi(r.PostFormValue("rules"))
	n = min(max(n, 0), 2*dunning.MaxRules+2)
	var rows []views.DunningRuleForm
	for i := range n {
		rv := func(k string) string { return v("rules." + strconv.Itoa(i) + "." + k) }
		kinds := r.PostForm["rules."+strconv.Itoa(i)+".kinds"]
		rows = append(rows, views.DunningRuleForm{Name: rv("name"), Policy: rv("policy"), Hardship: rv("hardship"),
			Consumer: slices.Contains(kinds, dunning.Consumer), Business: slices.Contains(kinds, dunning.Business),
			Segments: rv("segments"), MinOpen: rv("min_open"), MaxOpen: rv("max_open"), Behaviour: rv("behaviour"),
			MinProp: rv("min_propensity"), MaxProp: rv("max_propensity"), MinOnTime: rv("min_on_time"),
			MinTenure: rv("min_tenure_months"), MinLate: rv("min_late"), Remove: rv("remove") != ""})
	}
	if dir, at, found := strings.Cut(r.PostFormValue("move"), ":"); found {
		if i, err := strconv.Atoi(at); err == nil && i >= 0 && i < len(rows) {
			switch {
			case dir == "up" && i > 0:
				rows[i-1], rows[i] = rows[i], rows[i-1]
			case dir == "down" && i+1 < len(rows):
				rows[i], rows[i+1] = rows[i+1], rows[i]
			}
		}
	}
	st.Segmentation.Rules = nil
	for _, rf := range rows {
		if rf.Remove || (rf.Name == "" && rf.Policy == "" && rf.Hardship == "" && !rf.Consumer && !rf.Business &&
			rf.Segments == "" && rf.MinOpen == "" && rf.MaxOpen == "" && rf.Behaviour == "" && rf.MinProp == "" && rf.MaxProp == "") {
			continue
		}
		i := len(f.Rules)
		field := func(k string) string { return "rules." + strconv.Itoa(i) + "." + k }
		rule := dunning.Rule{Name: rf.Name, Policy: rf.Policy, Behaviour: dunning.Behaviour(rf.Behaviour)}
		switch rf.Hardship {
		case "yes", "no":
			h := rf.Hardship == "yes"
			rule.Hardship = &h
		}
		if rf.Consumer {
			rule.Kinds = append(rule.Kinds, dunning.Consumer)
		}
		if rf.Business {
			rule.Kinds = append(rule.Kinds, dunning.Business)
		}
		for _, seg := range strings.Split(rf.Segments, ",") {
			if seg = strings.TrimSpace(seg); seg != "" {
				rule.Segments = append(rule.Segments, seg)
			}
		}
		money(field("open"), rf.MinOpen, &rule.MinOpen)
		money(field("open"), rf.MaxOpen, &rule.MaxOpen)
		var okMin, okMax bool
		rule.MinPropensity, okMin = parseScore(rf.MinProp)
		rule.MaxPropensity, okMax = parseScore(rf.MaxProp)
		if !okMin || !okMax {
			bad(field("propensity"), "error.dunning.propensity_range")
		}
		for _, t := range []struct {
			val string
			dst *int
		}{{rf.MinOnTime, &rule.MinOnTime}, {rf.MinTenure, &rule.MinTenureMonths}, {rf.MinLate, &rule.MinLate}} {
			if t.val != "" {
				n, err := strconv.Atoi(t.val)
				if err != nil {
					bad(field("behaviour"), "error.dunning.behaviour")
				}
				*t.dst = n
			}
		}
		rf.Remove = false
		f.Rules = append(f.Rules, rf)
		st.Segmentation.Rules = append(st.Segmentation.Rules, rule)
	}
	f.Rules = append(f.Rules, views.DunningRuleForm{})
	return f, st, errs
}
