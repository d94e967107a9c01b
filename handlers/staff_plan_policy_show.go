package handlers

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/i18n"
	"github.com/settle/settle/views"
)

// staffPlanPolicyShow is the plan policy editor, with an example of what
// the saved policy gives a debtor (?sample_amount=&sample_instalments=).
func (s *Server) staffPlanPolicyShow(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	if err := s.plansOn(); err != nil {
		return err
	}
	p, err := s.Store.PlanPolicy(r.Context(), sc.creditorID())
	if err != nil {
		return err
	}
	loc := s.staffLocale(w, r, sc)
	vm := views.StaffPlanPolicyVM{Form: policyForm(p, loc.Lang), Currency: sc.creditor.Currency,
		Saved: r.URL.Query().Get("saved") == "1"}
	vm.Sample = s.policySample(r, sc, loc, p)
	return s.renderStaff(w, r, http.StatusOK, sc, views.StaffPlanPolicyPage(vm))
}

// policyForm shows a policy in the form: amounts as money, rates in per
// cent.
func policyForm(p ar.PlanPolicy, lang string) views.PolicyFormVM {
	itoa := strconv.Itoa
	return views.PolicyFormVM{MaxInstalments: itoa(p.MaxInstalments),
		MinInstalment: formatAmountInput(p.MinInstalmentMinor, lang), MaxTotal: formatAmountInput(p.MaxTotalMinor, lang),
		MaxDeferralDays: itoa(p.MaxDeferralDays), DownPayment: formatPercentInput(p.DownPaymentBP, lang),
		Fee: formatAmountInput(p.FeeMinor, lang), Interest: formatPercentInput(p.InterestBP, lang),
		NoBrokenPlanMonths: itoa(p.NoBrokenPlanMonths), Segments: strings.Join(p.Segments, ", "),
		AutoMaxInstalments: itoa(p.AutoMaxInstalments), AutoMaxTotal: formatAmountInput(p.AutoMaxTotalMinor, lang),
		AutoMaxDeferral: itoa(p.AutoMaxDeferral), GraceDays: itoa(p.GraceDays)}
}

// formatPercentInput writes basis points as a percentage for an input:
// 250 → "2,5" (de) or "2.5".
func formatPercentInput(bp int, lang string) string {
	s := fmt.Sprintf("%d.%02d", bp/100, bp%100)
	s = strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
	if lang == "en" {
		return s
	}
	return strings.Replace(s, ".", ",", 1)
}

// parsePercentInput reads a percentage ("2,5", "2.5 %") as basis points.
func parsePercentInput(v string) (int, bool) {
	v = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "%"))
	if v == "" || strings.ContainsAny(v, "€") {
		return 0, false
	}
	n, ok := parseAmountInput(v)
	if !ok || n > 1e6 {
		return 0, false
	}
	return int(n), true
}

// policySample is the example on the policy page: a debtor owing an
// amount (600 by default) asking for a number of instalments (6) on the
// first of the month, who qualifies (first segment, no broken plan).
func (s *Server) policySample(r *http.Request, sc *staffCtx, loc *i18n.Locale, p ar.PlanPolicy) views.PolicySampleVM {
	q := r.URL.Query()
	sm := views.PolicySampleVM{Amount: strings.TrimSpace(q.Get("sample_amount")),
		Instalments: strings.TrimSpace(q.Get("sample_instalments"))}
	if sm.Amount == "" {
		sm.Amount = formatAmountInput(60000, loc.Lang)
	}
	if sm.Instalments == "" {
		sm.Instalments = "6"
	}
	amount, ok := parseAmountInput(sm.Amount)
	n, err := strconv.Atoi(sm.Instalments)
	if !ok || amount <= 0 || err != nil || n < 1 || n > 999 {
		sm.Error = loc.T("error.staff.plans.sample")
		return sm
	}
	sm.AmountMinor, sm.Count = amount, n
	ask := ar.PlanAsk{Kind: ar.PlanInstalments, TotalMinor: amount, Currency: sc.creditor.Currency, Instalments: n,
		Day: 1, Today: sc.creditor.Today(s.Now())}
	sched, err := ar.NewSchedule(p, ask)
	if err != nil {
		if e, ok := ar.AsError(err); ok {
			sm.Error = errText(loc, sc.creditor.Currency, e)
			return sm
		}
		sm.Error = loc.T("error.staff.plans.sample")
		return sm
	}
	facts := ar.PlanFacts{}
	if len(p.Segments) > 0 {
		facts.Segment = p.Segments[0]
	}
	decision, why := p.Decide(ask, sched, facts)
	pv := &views.StaffPlanPreviewVM{PrincipalMinor: sched.PrincipalMinor, FeeMinor: sched.FeeMinor,
		InterestMinor: sched.InterestMinor, TotalMinor: sched.TotalMinor, Currency: sched.Currency,
		Approve: decision == ar.DecideApprove, ReviewKey: why}
	for _, in := range sched.Instalments {
		pv.Rows = append(pv.Rows, views.PlanScheduleRow{Seq: in.Seq, Due: in.DueDate, AmountMinor: in.AmountMinor,
			OpenMinor: in.AmountMinor})
	}
	sm.Preview = pv
	return sm
}
