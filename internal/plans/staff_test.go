package plans_test

import (
	"errors"
	"testing"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/plans"
)

// The policy editor's checks match the database's: a policy at every
// limit is stored, one step beyond any limit is refused naming the
// field, before the database is asked.
func TestSavePolicyLimits(t *testing.T) {
	w := setup(t)
	staffID := w.staff(t)
	hi := ar.PlanPolicy{MaxInstalments: 60, MinInstalmentMinor: 1, MaxTotalMinor: 1 << 40, MaxDeferralDays: 365,
		DownPaymentBP: 9000, FeeMinor: 0, InterestBP: 2500, NoBrokenPlanMonths: 60, Segments: []string{"privat"},
		AutoMaxInstalments: 60, AutoMaxTotalMinor: 1 << 40, AutoMaxDeferral: 365, GraceDays: 60}
	lo := ar.PlanPolicy{MaxInstalments: 2, MinInstalmentMinor: 1, MaxTotalMinor: 1, MaxDeferralDays: 1}
	for _, p := range []ar.PlanPolicy{hi, lo} {
		if err := w.svc.SavePolicy(w.ctx, w.c, staffID, p); err != nil {
			t.Fatalf("a policy at the limits: %v", err)
		}
	}
	if n := w.count(t, `SELECT count(*) FROM audit_log WHERE action = 'plan.policy_updated'`); n != 2 {
		t.Errorf("%d audit entries for two changes", n)
	}
	// Saving the same again changes nothing and records nothing.
	if err := w.svc.SavePolicy(w.ctx, w.c, staffID, lo); err != nil {
		t.Fatal(err)
	}
	if n := w.count(t, `SELECT count(*) FROM audit_log WHERE action = 'plan.policy_updated'`); n != 2 {
		t.Errorf("an unchanged policy was audited (%d entries)", n)
	}
	for field, mod := range map[string]func(*ar.PlanPolicy){
		"max_instalments":        func(p *ar.PlanPolicy) { p.MaxInstalments = 61 },
		"min_instalment":         func(p *ar.PlanPolicy) { p.MinInstalmentMinor = 0 },
		"max_total":              func(p *ar.PlanPolicy) { p.MaxTotalMinor = 0 },
		"max_deferral_days":      func(p *ar.PlanPolicy) { p.MaxDeferralDays = 366 },
		"down_payment":           func(p *ar.PlanPolicy) { p.DownPaymentBP = 9001 },
		"fee":                    func(p *ar.PlanPolicy) { p.FeeMinor = -1 },
		"interest":               func(p *ar.PlanPolicy) { p.InterestBP = 2501 },
		"no_broken_plan_months":  func(p *ar.PlanPolicy) { p.NoBrokenPlanMonths = 61 },
		"auto_max_instalments":   func(p *ar.PlanPolicy) { p.AutoMaxInstalments = -1 },
		"auto_max_total":         func(p *ar.PlanPolicy) { p.AutoMaxTotalMinor = -1 },
		"auto_max_deferral_days": func(p *ar.PlanPolicy) { p.AutoMaxDeferral = 366 },
		"grace_days":             func(p *ar.PlanPolicy) { p.GraceDays = 61 },
		"segments":               func(p *ar.PlanPolicy) { p.Segments = []string{"ein-sehr-langes-segment-mit-mehr-als-vierzig-zeichen"} },
	} {
		p := hi
		mod(&p)
		err := w.svc.SavePolicy(w.ctx, w.c, staffID, p)
		var list ar.Invalids
		if !errors.As(err, &list) || len(list) != 1 || list[0].Field != field {
			t.Errorf("%s beyond its limit: %v", field, err)
		}
	}
	if got, _ := w.st.PlanPolicy(w.ctx, w.c.ID); got.MaxInstalments != 2 {
		t.Errorf("a refused policy changed the stored one: %+v", got)
	}
	if segs := plans.ParseSegments(" privat, gewerbe,,privat "); len(segs) != 2 || segs[0] != "privat" || segs[1] != "gewerbe" {
		t.Errorf("segments: %q", segs)
	}
}

// A counter-offer's preview shows the schedule Offer would make and
// changes nothing.
func TestPreviewOfferChangesNothing(t *testing.T) {
	w := setup(t)
	p, err := w.svc.Request(w.ctx, w.c, w.debtor, nil, ar.PlanAsk{Kind: ar.PlanInstalments, Instalments: 10, Day: 15}, "", plans.By{})
	if err != nil {
		t.Fatal(err)
	}
	pv, err := w.svc.PreviewOffer(w.ctx, w.c, p.ID, ar.PlanAsk{Kind: ar.PlanInstalments, Instalments: 6, Day: 15})
	if err != nil {
		t.Fatal(err)
	}
	if len(pv.Schedule.Instalments) != 6 || pv.Schedule.PrincipalMinor != 60000 {
		t.Errorf("preview: %d instalments over %d", len(pv.Schedule.Instalments), pv.Schedule.PrincipalMinor)
	}
	got, _ := w.st.Plan(w.ctx, w.c.ID, 0, p.ID, false)
	if got.Status != ar.PlanRequested || w.count(t, `SELECT count(*) FROM plan_invoices WHERE plan_id = $1 AND held`, p.ID) != 3 {
		t.Errorf("the preview changed the request: %s", got.Status)
	}
	if _, err := w.svc.PreviewOffer(w.ctx, w.c, p.ID, ar.PlanAsk{Kind: ar.PlanInstalments, Instalments: 13, Day: 15}); err == nil {
		t.Error("a preview beyond the policy's 12 instalments was made")
	}
}
