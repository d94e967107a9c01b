package dunning

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/store"
)

// The back office's changes to a creditor's dunning: saving a policy,
// resetting a built-in one, saving the settings. Each is checked first
// and audited in the transaction that stores it.

// Limits of the settings form.
const (
	MaxCapHours   = 24 * 14
	MaxPayDays    = 60
	MaxLetterDays = 14
	MaxRules      = 20
	MaxHolidays   = 60
	MaxFlatMinor  = 100000
)

// IsBuiltIn reports whether key names one of the built-in policies.
func IsBuiltIn(key string) bool {
	return key == PolicyGentle || key == PolicyStandard || key == PolicyHardship
}

// SavePolicy validates and stores a creditor's policy (raising its
// version) and audits it (dunning.policy_saved, before and after). With
// create the key must be new (not built in, not stored). It returns the
// stored version.
func SavePolicy(ctx context.Context, st *store.Store, c *ar.Creditor, staffID int64, p *Policy, create bool) (int, error) {
	cfg, err := LoadConfig(ctx, st, c, time.Now())
	if err != nil {
		return 0, err
	}
	old := cfg.Policies[p.Key]
	if create && (old != nil || p.Key == "new") {
		var v ar.Invalids
		v.Add("key", "error.staff.dunning.key_taken", nil)
		addInvalids(&v, p.Validate())
		return 0, v.Err()
	}
	if !create && old == nil {
		return 0, ar.Errorf(ar.NotFound, "error.not_found")
	}
	if err := p.Validate(); err != nil {
		return 0, err
	}
	def, err := json.Marshal(p)
	if err != nil {
		return 0, err
	}
	var version int
	err = st.InTx(ctx, func(tx *store.Store) error {
		var err error
		if version, err = tx.SaveDunningPolicy(ctx, c.ID, p.Key, def, &staffID); err != nil {
			return err
		}
		return tx.AddAudit(ctx, &staffID, &c.ID, "dunning.policy_saved", p.Key, old, map[string]any{"version": version, "policy": p})
	})
	return version, err
}

// ResetPolicy drops the creditor's own version of a built-in policy,
// so the built-in one applies again (audited: dunning.policy_reset).
// Other keys are not found; a built-in policy never edited is left as
// it is (false).
func ResetPolicy(ctx context.Context, st *store.Store, c *ar.Creditor, staffID int64, key string) (bool, error) {
	if !IsBuiltIn(key) {
		return false, ar.Errorf(ar.NotFound, "error.not_found")
	}
	docs, err := st.DunningPolicies(ctx, c.ID)
	if err != nil {
		return false, err
	}
	var before json.RawMessage
	for _, d := range docs {
		if d.Key == key {
			before = d.Definition
		}
	}
	if before == nil {
		return false, nil
	}
	return true, st.InTx(ctx, func(tx *store.Store) error {
		if err := tx.DeleteDunningPolicy(ctx, c.ID, key); err != nil {
			return err
		}
		return tx.AddAudit(ctx, &staffID, &c.ID, "dunning.policy_reset", key, before, nil)
	})
}

// ValidateSettings checks settings against the creditor's policies:
// every field error at once, as ar.Invalids named like the settings
// form's fields.
func ValidateSettings(s *Settings, policies []Policy) error {
	var v ar.Invalids
	addInvalids(&v, s.Segmentation.Validate(policies))
	if len(s.Segmentation.Rules) > MaxRules {
		v.Add("rules", "error.staff.dunning.too_many_rules", map[string]any{"Max": MaxRules})
	}
	t := Timing{Location: time.UTC, Calendar: NewCalendar(nil, nil), SendAt: s.SendAt, Quiet: s.Quiet}
	addInvalids(&v, t.Validate())
	if len(s.Holidays) > MaxHolidays {
		v.Add("holidays", "error.staff.dunning.too_many_holidays", map[string]any{"Max": MaxHolidays})
	}
	for _, h := range s.Holidays {
		if _, err := time.Parse(time.DateOnly, h); err != nil {
			v.Add("holidays", "error.staff.dunning.holiday", map[string]any{"Date": h})
			break
		}
	}
	if s.CapHours < 1 || s.CapHours > MaxCapHours {
		v.Add("cap_hours", "error.staff.dunning.range", map[string]any{"Min": 1, "Max": MaxCapHours})
	}
	if s.PayDays < 1 || s.PayDays > MaxPayDays {
		v.Add("pay_days", "error.staff.dunning.range", map[string]any{"Min": 1, "Max": MaxPayDays})
	}
	if s.LetterDays < 1 || s.LetterDays > MaxLetterDays {
		v.Add("letter_days", "error.staff.dunning.range", map[string]any{"Min": 1, "Max": MaxLetterDays})
	}
	if s.DefaultMode != DefaultByReminder && s.DefaultMode != DefaultByCalendar {
		v.Add("default_mode", "error.staff.dunning.default_mode", nil)
	}
	if s.Fees.ConsumerFeeCapMinor < 0 || s.Fees.ConsumerFeeCapMinor > MaxFeeMinor {
		v.Add("consumer_cap", "error.staff.dunning.amount_range", map[string]any{"Max": ar.Money{Minor: MaxFeeMinor, Currency: "EUR"}})
	}
	if s.Fees.BusinessFlatMinor < 0 || s.Fees.BusinessFlatMinor > MaxFlatMinor {
		v.Add("business_flat", "error.staff.dunning.amount_range", map[string]any{"Max": ar.Money{Minor: MaxFlatMinor, Currency: "EUR"}})
	}
	return v.Err()
}

// SaveSettings validates and stores a creditor's settings (without the
// base rate table: the built-in one applies) and audits them
// (dunning.settings_saved). It returns the stored version.
func SaveSettings(ctx context.Context, st *store.Store, c *ar.Creditor, staffID int64, s Settings) (int, error) {
	cfg, err := LoadConfig(ctx, st, c, time.Now())
	if err != nil {
		return 0, err
	}
	var policies []Policy
	for _, p := range cfg.Policies {
		policies = append(policies, *p)
	}
	if err := ValidateSettings(&s, policies); err != nil {
		return 0, err
	}
	s.Fees.Rates = nil
	def, err := json.Marshal(s)
	if err != nil {
		return 0, err
	}
	before := cfg.Settings
	before.Fees.Rates = nil
	var version int
	err = st.InTx(ctx, func(tx *store.Store) error {
		var err error
		if version, err = tx.SaveDunningSettings(ctx, c.ID, def, &staffID); err != nil {
			return err
		}
		return tx.AddAudit(ctx, &staffID, &c.ID, "dunning.settings_saved", "dunning_settings", before,
			map[string]any{"version": version, "settings": s})
	})
	return version, err
}

// addInvalids adds err's field errors to v.
func addInvalids(v *ar.Invalids, err error) {
	var list ar.Invalids
	if errors.As(err, &list) {
		for _, e := range list {
			v.Add(e.Field, e.Key, e.Args)
		}
	}
}
