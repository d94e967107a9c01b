package plans

import (
	"context"
	"errors"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/store"
)

// errPreviewOnly rolls back the transaction a preview ran in.
var errPreviewOnly = errors.New("plans: preview only")

// PreviewOffer computes the counter-offer Offer would make for a request
// (the same invoices, the policy's limits), without making it: Offer's
// steps run in a transaction that is rolled back, so the request's own
// hold on its invoices does not stand in the way.
func (s *Service) PreviewOffer(ctx context.Context, c *ar.Creditor, planID int64, ask ar.PlanAsk) (*Preview, error) {
	var pv *Preview
	err := s.Store.InTx(ctx, func(tx *store.Store) error {
		p, err := decide(ctx, tx, c.ID, 0, planID, ar.PlanRequested)
		if err != nil {
			return err
		}
		invs, err := tx.PlanInvoices(ctx, p.ID)
		if err != nil {
			return err
		}
		if err := tx.SetPlanStatus(ctx, p, ar.PlanRejected, nil, "", s.now()); err != nil {
			return err
		}
		numbers := make([]string, len(invs))
		for i, in := range invs {
			numbers[i] = in.Number
		}
		if pv, err = s.preview(ctx, tx, c, p.DebtorID, numbers, ask); err != nil {
			return err
		}
		return errPreviewOnly
	})
	if errors.Is(err, errPreviewOnly) {
		return pv, nil
	}
	return nil, err
}

// Policy limits: what the database accepts (migrations/00011_plans.sql).
const (
	MaxPolicyInstalments = 60
	MaxPolicyDeferral    = 365
	MaxDownPaymentBP     = 9000
	MaxInterestBP        = 2500
	MaxPolicyMonths      = 60
	MaxGraceDays         = 60
	maxSegments          = 20
	maxSegmentLen        = 40
)

// ValidatePolicy checks a plan policy against the limits the database
// enforces and for consistency (the auto-approve band lies inside the
// policy), naming every field that is wrong.
func ValidatePolicy(p ar.PlanPolicy) error {
	var errs ar.Invalids
	between := func(field string, v, lo, hi int) {
		if v < lo || v > hi {
			errs = append(errs, ar.FieldError(field, "error.staff.plans.policy.between", map[string]any{"Min": lo, "Max": hi}))
		}
	}
	between("max_instalments", p.MaxInstalments, 2, MaxPolicyInstalments)
	if p.MinInstalmentMinor <= 0 {
		errs = append(errs, ar.FieldError("min_instalment", "error.staff.plans.policy.positive", nil))
	}
	if p.MaxTotalMinor <= 0 {
		errs = append(errs, ar.FieldError("max_total", "error.staff.plans.policy.positive", nil))
	}
	between("max_deferral_days", p.MaxDeferralDays, 1, MaxPolicyDeferral)
	if p.DownPaymentBP < 0 || p.DownPaymentBP > MaxDownPaymentBP {
		errs = append(errs, ar.FieldError("down_payment", "error.staff.plans.policy.percent", map[string]any{"Max": MaxDownPaymentBP / 100}))
	}
	if p.FeeMinor < 0 {
		errs = append(errs, ar.FieldError("fee", "error.staff.plans.policy.not_negative", nil))
	}
	if p.InterestBP < 0 || p.InterestBP > MaxInterestBP {
		errs = append(errs, ar.FieldError("interest", "error.staff.plans.policy.percent", map[string]any{"Max": MaxInterestBP / 100}))
	}
	between("no_broken_plan_months", p.NoBrokenPlanMonths, 0, MaxPolicyMonths)
	if len(p.Segments) > maxSegments {
		errs = append(errs, ar.FieldError("segments", "error.staff.plans.policy.segments_many", map[string]any{"Max": maxSegments}))
	} else {
		for _, seg := range p.Segments {
			if utf8.RuneCountInString(seg) > maxSegmentLen {
				errs = append(errs, ar.FieldError("segments", "error.staff.plans.policy.segment_long", map[string]any{"Max": maxSegmentLen}))
				break
			}
		}
	}
	if p.AutoMaxInstalments < 0 || p.AutoMaxInstalments > MaxPolicyInstalments {
		between("auto_max_instalments", p.AutoMaxInstalments, 0, MaxPolicyInstalments)
	} else if p.AutoMaxInstalments > p.MaxInstalments && p.MaxInstalments >= 2 {
		errs = append(errs, ar.FieldError("auto_max_instalments", "error.staff.plans.policy.band_instalments", nil))
	}
	if p.AutoMaxTotalMinor < 0 {
		errs = append(errs, ar.FieldError("auto_max_total", "error.staff.plans.policy.not_negative", nil))
	} else if p.AutoMaxTotalMinor > p.MaxTotalMinor && p.MaxTotalMinor > 0 {
		errs = append(errs, ar.FieldError("auto_max_total", "error.staff.plans.policy.band_total", nil))
	}
	if p.AutoMaxDeferral < 0 || p.AutoMaxDeferral > MaxPolicyDeferral {
		between("auto_max_deferral_days", p.AutoMaxDeferral, 0, MaxPolicyDeferral)
	} else if p.AutoMaxDeferral > p.MaxDeferralDays && p.MaxDeferralDays >= 1 {
		errs = append(errs, ar.FieldError("auto_max_deferral_days", "error.staff.plans.policy.band_deferral", nil))
	}
	between("grace_days", p.GraceDays, 0, MaxGraceDays)
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// ParseSegments reads a comma-separated list of segments: trimmed,
// without empties and repeats.
func ParseSegments(s string) []string {
	var out []string
	for _, seg := range strings.Split(s, ",") {
		seg = strings.TrimSpace(seg)
		if seg != "" && !slices.Contains(out, seg) {
			out = append(out, seg)
		}
	}
	return out
}

// SavePolicy validates and stores a creditor's plan policy; the audit log
// records the fields that changed (before and after).
func (s *Service) SavePolicy(ctx context.Context, c *ar.Creditor, staffID int64, p ar.PlanPolicy) error {
	p.CreditorID = c.ID
	if p.Segments == nil {
		p.Segments = []string{}
	}
	if err := ValidatePolicy(p); err != nil {
		return err
	}
	return s.Store.InTx(ctx, func(tx *store.Store) error {
		old, err := tx.PlanPolicy(ctx, c.ID)
		if err != nil {
			return err
		}
		before, after := policyChanges(old, p)
		if len(after) == 0 {
			return nil // nothing changed: nothing to store or record
		}
		if err := tx.SavePlanPolicy(ctx, p); err != nil {
			return err
		}
		return tx.AddAudit(ctx, &staffID, &c.ID, "plan.policy_updated", "plan_policy", before, after)
	})
}

// policyChanges lists the fields that differ between two policies, by
// their column names.
func policyChanges(a, b ar.PlanPolicy) (before, after map[string]any) {
	before, after = map[string]any{}, map[string]any{}
	add := func(k string, x, y any) {
		before[k], after[k] = x, y
	}
	if a.MaxInstalments != b.MaxInstalments {
		add("max_instalments", a.MaxInstalments, b.MaxInstalments)
	}
	if a.MinInstalmentMinor != b.MinInstalmentMinor {
		add("min_instalment_minor", a.MinInstalmentMinor, b.MinInstalmentMinor)
	}
	if a.MaxTotalMinor != b.MaxTotalMinor {
		add("max_total_minor", a.MaxTotalMinor, b.MaxTotalMinor)
	}
	if a.MaxDeferralDays != b.MaxDeferralDays {
		add("max_deferral_days", a.MaxDeferralDays, b.MaxDeferralDays)
	}
	if a.DownPaymentBP != b.DownPaymentBP {
		add("down_payment_bp", a.DownPaymentBP, b.DownPaymentBP)
	}
	if a.FeeMinor != b.FeeMinor {
		add("fee_minor", a.FeeMinor, b.FeeMinor)
	}
	if a.InterestBP != b.InterestBP {
		add("interest_bp", a.InterestBP, b.InterestBP)
	}
	if a.NoBrokenPlanMonths != b.NoBrokenPlanMonths {
		add("no_broken_plan_months", a.NoBrokenPlanMonths, b.NoBrokenPlanMonths)
	}
	if !slices.Equal(a.Segments, b.Segments) && (len(a.Segments) > 0 || len(b.Segments) > 0) {
		add("segments", strings.Join(a.Segments, ", "), strings.Join(b.Segments, ", "))
	}
	if a.AutoMaxInstalments != b.AutoMaxInstalments {
		add("auto_max_instalments", a.AutoMaxInstalments, b.AutoMaxInstalments)
	}
	if a.AutoMaxTotalMinor != b.AutoMaxTotalMinor {
		add("auto_max_total_minor", a.AutoMaxTotalMinor, b.AutoMaxTotalMinor)
	}
	if a.AutoMaxDeferral != b.AutoMaxDeferral {
		add("auto_max_deferral_days", a.AutoMaxDeferral, b.AutoMaxDeferral)
	}
	if a.GraceDays != b.GraceDays {
		add("grace_days", a.GraceDays, b.GraceDays)
	}
	return before, after
}
