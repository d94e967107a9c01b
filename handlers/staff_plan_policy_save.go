package handlers

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/plans"
	"github.com/settle/settle/views"
)

// staffPlanPolicySave stores the creditor's plan policy. Every field is
// checked against what the database allows; errors come back, in the
// staff member's language, with everything typed. The change is audited
// (plan.policy_updated, the changed fields before and after).
func (s *Server) staffPlanPolicySave(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	if err := s.plansOn(); err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return ar.Errorf(ar.Invalid, "error.form")
	}
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	f := views.PolicyFormVM{MaxInstalments: v("max_instalments"), MinInstalment: v("min_instalment"),
		MaxTotal: v("max_total"), MaxDeferralDays: v("max_deferral_days"), DownPayment: v("down_payment"),
		Fee: v("fee"), Interest: v("interest"), NoBrokenPlanMonths: v("no_broken_plan_months"),
		Segments: v("segments"), AutoMaxInstalments: v("auto_max_instalments"), AutoMaxTotal: v("auto_max_total"),
		AutoMaxDeferral: v("auto_max_deferral_days"), GraceDays: v("grace_days")}
	loc := s.staffLocale(w, r, sc)
	errs := map[string]string{}
	num := func(field, val string, dst *int) {
		n, err := strconv.Atoi(val)
		if err != nil {
			errs[field] = loc.T("error.staff.plans.policy.whole_number")
		}
		*dst = n
	}
	money := func(field, val string, dst *int64) {
		n, ok := parseAmountInput(val)
		if !ok {
			errs[field] = loc.T("error.staff.plans.policy.amount")
		}
		*dst = n
	}
	percent := func(field, val string, dst *int) {
		n, ok := parsePercentInput(val)
		if !ok {
			errs[field] = loc.T("error.staff.plans.policy.percent_format")
		}
		*dst = n
	}
	p := ar.PlanPolicy{CreditorID: sc.creditorID(), Segments: plans.ParseSegments(f.Segments)}
	num("max_instalments", f.MaxInstalments, &p.MaxInstalments)
	money("min_instalment", f.MinInstalment, &p.MinInstalmentMinor)
	money("max_total", f.MaxTotal, &p.MaxTotalMinor)
	num("max_deferral_days", f.MaxDeferralDays, &p.MaxDeferralDays)
	percent("down_payment", f.DownPayment, &p.DownPaymentBP)
	money("fee", f.Fee, &p.FeeMinor)
	percent("interest", f.Interest, &p.InterestBP)
	num("no_broken_plan_months", f.NoBrokenPlanMonths, &p.NoBrokenPlanMonths)
	num("auto_max_instalments", f.AutoMaxInstalments, &p.AutoMaxInstalments)
	money("auto_max_total", f.AutoMaxTotal, &p.AutoMaxTotalMinor)
	num("auto_max_deferral_days", f.AutoMaxDeferral, &p.AutoMaxDeferral)
	num("grace_days", f.GraceDays, &p.GraceDays)
	var err error
	if len(errs) == 0 {
		err = s.Plans.SavePolicy(r.Context(), sc.creditor, sc.sess.User.ID, p)
		if err == nil {
			return redirect(w, r, "/staff/settings/plans?saved=1")
		}
		fields, ok := planFieldErrors(loc, sc.creditor.Currency, err)
		if !ok {
			return err
		}
		errs = fields
	} else if fields, ok := planFieldErrors(loc, sc.creditor.Currency, plans.ValidatePolicy(p)); ok {
		for k, msg := range fields { // the rules too, not only what could not be read
			if _, unread := errs[k]; !unread {
				errs[k] = msg
			}
		}
	}
	f.Errors = errs
	saved, err := s.Store.PlanPolicy(r.Context(), sc.creditorID())
	if err != nil {
		return err
	}
	vm := views.StaffPlanPolicyVM{Form: f, Currency: sc.creditor.Currency, Sample: s.policySample(r, sc, loc, saved)}
	return s.renderStaff(w, r, http.StatusUnprocessableEntity, sc, views.StaffPlanPolicyPage(vm))
}
