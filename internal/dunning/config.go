package dunning

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/store"
)

// Settings are a creditor's dunning settings besides the policies:
// which policy a debtor gets, what dunning may cost, when messages go
// out and how often. Stored as one JSON document (dunning_settings);
// the zero values of optional fields mean the defaults.
type Settings struct {
	Segmentation Segmentation
	Fees         FeeRules // Rates are not stored: the built-in table (Basiszinssatz) applies
	// DefaultMode is how default begins (DefaultByReminder, DefaultByCalendar).
	DefaultMode string
	SendAt      int // minutes after local midnight: 540 is 09:00
	Quiet       QuietHours
	// Holidays are extra non-business days ("2026-12-24", "2026-12-31");
	// German national holidays apply unless NoNationalHolidays.
	Holidays           []string
	NoNationalHolidays bool
	// CapHours is the least time between two emails or SMS the engine
	// sends one debtor (letters are not capped).
	CapHours int
	// PayDays is the payment deadline a reminder names: days after it is
	// sent.
	PayDays int
	// LetterDays is how long a letter takes to arrive (it starts the
	// default a few days later than an email).
	LetterDays int
	// HardshipFlow: debtors flagged hardship go through the segments
	// (by default to the hardship policy: friendly, no fees, no
	// hand-over) instead of being paused altogether (the default).
	HardshipFlow bool
}

// Defaults of the settings.
const (
	DefaultSendAt     = 9 * 60
	DefaultCapHours   = 72
	DefaultPayDays    = 10
	DefaultLetterDays = 3
)

// DefaultSettings are the settings of a creditor who saved none.
func DefaultSettings() Settings {
	return Settings{Segmentation: DefaultSegmentation(), Fees: DefaultFeeRules(), DefaultMode: DefaultByReminder,
		SendAt: DefaultSendAt, Quiet: DefaultQuietHours(), CapHours: DefaultCapHours, PayDays: DefaultPayDays,
		LetterDays: DefaultLetterDays}
}

// Config is everything a run needs about one creditor, loaded once.
type Config struct {
	Creditor        *ar.Creditor
	Policies        map[string]*Policy
	Versions        map[string]int // of each stored policy; 0 for a built-in one
	Settings        Settings
	SettingsVersion int
	Timing          *Timing
}

// LoadConfig reads a creditor's policies and settings (the built-in ones
// where none are stored) and builds their timing. A stored document
// that no longer validates is an error naming it: the engine does not
// guess.
func LoadConfig(ctx context.Context, st *store.Store, c *ar.Creditor, now time.Time) (*Config, error) {
	cfg := &Config{Creditor: c, Policies: map[string]*Policy{}, Versions: map[string]int{}, Settings: DefaultSettings()}
	for _, p := range DefaultPolicies(c.Currency) {
		cfg.Policies[p.Key] = &p
	}
	docs, err := st.DunningPolicies(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	for _, d := range docs {
		p := new(Policy)
		if err := json.Unmarshal(d.Definition, p); err != nil {
			return nil, fmt.Errorf("dunning: creditor %s: policy %q: %w", c.Slug, d.Key, err)
		}
		if err := p.Validate(); err != nil || p.Key != d.Key {
			return nil, fmt.Errorf("dunning: creditor %s: stored policy %q is not valid: %v", c.Slug, d.Key, err)
		}
		cfg.Policies[d.Key], cfg.Versions[d.Key] = p, d.Version
	}
	doc, err := st.DunningSettings(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	if doc != nil {
		if err := json.Unmarshal(doc.Definition, &cfg.Settings); err != nil {
			return nil, fmt.Errorf("dunning: creditor %s: settings: %w", c.Slug, err)
		}
		// encoding/json decodes an array into the elements already there
		// without zeroing them: the stored rules would inherit fields of
		// the default rules. Take the stored segmentation as it is.
		var seg struct{ Segmentation *Segmentation }
		if err := json.Unmarshal(doc.Definition, &seg); err == nil && seg.Segmentation != nil {
			cfg.Settings.Segmentation = *seg.Segmentation
		}
		cfg.SettingsVersion = doc.Version
	}
	s := &cfg.Settings
	if len(s.Fees.Rates) == 0 {
		s.Fees.Rates = Basiszinssatz
	}
	if s.DefaultMode == "" {
		s.DefaultMode = DefaultByReminder
	}
	if s.CapHours == 0 {
		s.CapHours = DefaultCapHours
	}
	if s.PayDays == 0 {
		s.PayDays = DefaultPayDays
	}
	if s.LetterDays == 0 {
		s.LetterDays = DefaultLetterDays
	}
	if s.Segmentation.Default == "" {
		s.Segmentation = DefaultSegmentation()
	}
	for _, r := range append(s.Segmentation.Rules, Rule{Policy: s.Segmentation.Default}) {
		if cfg.Policies[r.Policy] == nil {
			return nil, fmt.Errorf("dunning: creditor %s: a segment names policy %q, which does not exist", c.Slug, r.Policy)
		}
	}
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		return nil, fmt.Errorf("dunning: creditor %s: time zone %q: %w", c.Slug, c.Timezone, err)
	}
	year := now.Year()
	var holidays []time.Time
	if !s.NoNationalHolidays {
		holidays = GermanHolidays(year-2, year+2)
	}
	for _, h := range s.Holidays {
		d, err := time.Parse(time.DateOnly, h)
		if err != nil {
			return nil, fmt.Errorf("dunning: creditor %s: holiday %q: %w", c.Slug, h, err)
		}
		holidays = append(holidays, d)
	}
	cfg.Timing = &Timing{Location: loc, Calendar: NewCalendar([]time.Weekday{time.Saturday, time.Sunday}, holidays),
		SendAt: s.SendAt, Quiet: s.Quiet}
	if err := cfg.Timing.Validate(); err != nil {
		return nil, fmt.Errorf("dunning: creditor %s: timing: %v", c.Slug, err)
	}
	return cfg, nil
}
