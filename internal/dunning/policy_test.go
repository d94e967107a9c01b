package dunning

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/settle/settle/internal/ar"
)

func standard() Policy { return DefaultPolicies("EUR")[1] }

func TestDefaultPoliciesValid(t *testing.T) {
	ps := DefaultPolicies("EUR")
	if len(ps) != 3 || ps[0].Key != PolicyGentle || ps[1].Key != PolicyStandard || ps[2].Key != PolicyHardship {
		t.Fatalf("default set: %+v", ps)
	}
	for _, p := range ps {
		if err := p.Validate(); err != nil {
			t.Errorf("%s: %v", p.Key, err)
		}
	}
	s := DefaultSegmentation()
	if err := s.Validate(ps); err != nil {
		t.Errorf("default segmentation: %v", err)
	}
}

func TestPolicyValidate(t *testing.T) {
	exp := func(vs ...Variant) *Experiment { return &Experiment{ID: "exp-1", Variants: vs} }
	cases := []struct {
		name   string
		change func(p *Policy)
		field  string
		key    string
	}{
		{"no key", func(p *Policy) { p.Key = "" }, "key", "error.dunning.policy_key"},
		{"bad key", func(p *Policy) { p.Key = "Standard Flow" }, "key", "error.dunning.policy_key"},
		{"no name", func(p *Policy) { p.NameKey = "" }, "name", "error.dunning.policy_name"},
		{"currency", func(p *Policy) { p.Currency = "euro" }, "currency", "error.dunning.currency"},
		{"no stages", func(p *Policy) { p.Stages = nil }, "stages", "error.dunning.no_stages"},
		{"too many", func(p *Policy) {
			for i := range 5 {
				p.Stages = append(p.Stages, Stage{Key: "x" + string(rune('a'+i)), Kind: Handover, Offset: 50 + i, Channel: Letter, Tone: Firm})
			}
		}, "stages", "error.dunning.too_many_stages"},
		{"duplicate stage key", func(p *Policy) { p.Stages[3].Key = "reminder-1" }, "stages.3.key", "error.dunning.stage_key_taken"},
		{"not increasing", func(p *Policy) { p.Stages[3].Offset = 7 }, "stages.3.offset", "error.dunning.offset_order"},
		{"decreasing", func(p *Policy) { p.Stages[4].Offset = 10 }, "stages.4.offset", "error.dunning.offset_order"},
		{"offset range", func(p *Policy) { p.Stages[5].Offset = 400 }, "stages.5.offset", "error.dunning.offset_range"},
		{"nudge after due", func(p *Policy) { p.Stages[0].Offset = 0; p.Stages[1].Offset = 1 }, "stages.0.offset", "error.dunning.nudge_before_due"},
		{"reminder before due", func(p *Policy) { p.Stages[1].Kind = Reminder; p.Stages[1].Offset = -1; p.Stages[0].Offset = -5 }, "stages.1.offset", "error.dunning.after_due"},
		{"kind order", func(p *Policy) { p.Stages[3].Kind = Soft }, "stages.3.kind", "error.dunning.kind_order"},
		{"unknown kind", func(p *Policy) { p.Stages[2].Kind = "mahnung" }, "stages.2.kind", "error.dunning.kind"},
		{"two finals", func(p *Policy) { p.Stages[5].Kind = Final }, "stages.5.kind", "error.dunning.kind_once"},
		{"channel", func(p *Policy) { p.Stages[0].Channel = "fax" }, "stages.0.channel", "error.dunning.channel"},
		{"fallbacks without preferred", func(p *Policy) { p.Stages[0].Fallbacks = []Channel{SMS} }, "stages.0.fallbacks", "error.dunning.fallbacks"},
		{"fallback twice", func(p *Policy) { p.Stages[1].Fallbacks = []Channel{SMS, SMS} }, "stages.1.fallbacks", "error.dunning.fallbacks"},
		{"fallback preferred", func(p *Policy) { p.Stages[1].Fallbacks = []Channel{Preferred} }, "stages.1.fallbacks", "error.dunning.fallbacks"},
		{"tone", func(p *Policy) { p.Stages[2].Tone = "angry" }, "stages.2.tone", "error.dunning.tone"},
		{"fee negative", func(p *Policy) { p.Stages[3].FeeMinor = -1 }, "stages.3.fee", "error.dunning.fee_negative"},
		{"fee on soft", func(p *Policy) { p.Stages[1].FeeMinor = 100 }, "stages.1.fee", "error.dunning.fee_not_allowed"},
		{"fee on handover", func(p *Policy) { p.Stages[5].FeeMinor = 100 }, "stages.5.fee", "error.dunning.fee_not_allowed"},
		{"fee on first reminder", func(p *Policy) { p.Stages[2].FeeMinor = 250 }, "stages.2.fee", "error.dunning.fee_first_reminder"},
		{"fee too high", func(p *Policy) { p.Stages[4].FeeMinor = 10001 }, "stages.4.fee", "error.dunning.fee_too_high"},
		{"one variant", func(p *Policy) { p.Stages[2].Experiment = exp(Variant{Key: "a", Weight: 100}) }, "stages.2.experiment.variants", "error.dunning.variants_count"},
		{"weights sum", func(p *Policy) {
			p.Stages[2].Experiment = exp(Variant{Key: "a", Weight: 50}, Variant{Key: "b", Weight: 40})
		}, "stages.2.experiment.weights", "error.dunning.variant_weights_sum"},
		{"weight zero", func(p *Policy) {
			p.Stages[2].Experiment = exp(Variant{Key: "a", Weight: 100}, Variant{Key: "b", Weight: 0})
		}, "stages.2.experiment.variants.1.weight", "error.dunning.variant_weight"},
		{"variant keys", func(p *Policy) {
			p.Stages[2].Experiment = exp(Variant{Key: "a", Weight: 50}, Variant{Key: "a", Weight: 50})
		}, "stages.2.experiment.variants.1.key", "error.dunning.variant_key"},
		{"variant tone", func(p *Policy) {
			p.Stages[2].Experiment = exp(Variant{Key: "a", Weight: 50}, Variant{Key: "b", Weight: 50, Tone: "rude"})
		}, "stages.2.experiment.variants.1.tone", "error.dunning.tone"},
		{"variant overtakes", func(p *Policy) {
			p.Stages[2].Experiment = exp(Variant{Key: "a", Weight: 50}, Variant{Key: "late", Weight: 50, ShiftDays: 7})
		}, "stages.2.experiment.shift", "error.dunning.variant_order"},
		{"variant shift range", func(p *Policy) {
			p.Stages[5].Experiment = exp(Variant{Key: "a", Weight: 50}, Variant{Key: "b", Weight: 50, ShiftDays: 20})
		}, "stages.5.experiment.variants.1.shift", "error.dunning.variant_shift"},
		{"experiment id", func(p *Policy) {
			p.Stages[2].Experiment = &Experiment{Variants: []Variant{{Key: "a", Weight: 50}, {Key: "b", Weight: 50}}}
		}, "stages.2.experiment.id", "error.dunning.experiment_id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := standard()
			p.Stages = append([]Stage(nil), p.Stages...)
			c.change(&p)
			err := p.Validate()
			var inv ar.Invalids
			if e, ok := err.(ar.Invalids); ok {
				inv = e
			}
			if ar.ErrorCode(err) != ar.Invalid {
				t.Fatalf("err = %v, want invalid", err)
			}
			for _, e := range inv {
				if e.Field == c.field && e.Key == c.key {
					return
				}
			}
			t.Errorf("err = %v, want %s: %s", err, c.field, c.key)
		})
	}
	t.Run("valid experiment", func(t *testing.T) {
		p := standard()
		p.Stages[2].Experiment = exp(Variant{Key: "control", Weight: 50}, Variant{Key: "firm-sms", Weight: 30, Tone: Firm, Channel: SMS}, Variant{Key: "early", Weight: 20, ShiftDays: -2})
		if err := p.Validate(); err != nil {
			t.Fatal(err)
		}
	})
}

// Every translation key the package uses — in error values and the names
// of tones, channels, kinds and built-in policies — exists in English and
// German.
func TestLocaleKeys(t *testing.T) {
	load := func(lang string) map[string]any {
		b, err := os.ReadFile(filepath.Join("..", "..", "locales", "dunning."+lang+".json"))
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]any{}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	en, de := load("en"), load("de")
	var keys []string
	for _, x := range Tones {
		keys = append(keys, x.Key())
	}
	for _, x := range Channels {
		keys = append(keys, x.Key())
	}
	for _, x := range Kinds {
		keys = append(keys, x.Key())
	}
	for _, p := range DefaultPolicies("EUR") {
		keys = append(keys, p.NameKey)
	}
	// The error keys in the sources (the i18n package's scanner checks
	// them too; this keeps the file list honest for this package alone).
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, _ := os.ReadFile(f)
		for _, part := range strings.Split(string(src), `"error.dunning.`)[1:] {
			keys = append(keys, "error.dunning."+part[:strings.IndexByte(part, '"')])
		}
	}
	for _, k := range keys {
		if en[k] == nil || de[k] == nil {
			t.Errorf("key %q missing in en or de", k)
		}
	}
	if len(keys) < 40 {
		t.Errorf("only %d keys found: the scan is broken", len(keys))
	}
}

func TestResolveChannel(t *testing.T) {
	fb := []Channel{Email, SMS, Letter}
	cases := []struct {
		c    Channel
		fb   []Channel
		r    Reach
		want Channel
		ok   bool
	}{
		{Email, nil, Reach{Email: true}, Email, true},
		{Email, nil, Reach{SMS: true}, Email, false},
		{Preferred, fb, Reach{Preferred: SMS, Email: true, SMS: true}, SMS, true},
		{Preferred, fb, Reach{Preferred: SMS, Email: true}, Email, true}, // no phone: first fallback
		{Preferred, fb, Reach{Letter: true}, Letter, true},               // no preference, only an address
		{Preferred, []Channel{SMS}, Reach{Email: true}, "", false},       // nothing fits
		{Preferred, nil, Reach{Preferred: Letter, Letter: true}, Letter, true},
	}
	for _, c := range cases {
		got, ok := ResolveChannel(c.c, c.fb, c.r)
		if got != c.want || ok != c.ok {
			t.Errorf("ResolveChannel(%s, %v, %+v) = %s %v, want %s %v", c.c, c.fb, c.r, got, ok, c.want, c.ok)
		}
	}
}

func TestNextAfter(t *testing.T) {
	p := standard() // nudge -3, soft 0, reminder-1 +7, reminder-2 +14, final +28, handover +42
	for _, c := range []struct {
		key    string
		offset int
		want   int
	}{
		{"", 0, 0}, {"nudge", -3, 1}, {"reminder-1", 7, 3}, {"handover", 42, 6},
		{"reminder-1b", 10, 3}, // a deleted stage at +10: next is reminder-2 (+14)
		{"gone", 100, 6},
	} {
		if got := p.NextAfter(c.key, c.offset); got != c.want {
			t.Errorf("NextAfter(%q, %d) = %d, want %d", c.key, c.offset, got, c.want)
		}
	}
}

func TestPolicyJSON(t *testing.T) {
	p := standard()
	p.Stages[2].Experiment = &Experiment{ID: "e", Variants: []Variant{{Key: "a", Weight: 50}, {Key: "b", Weight: 50, ShiftDays: 2}}}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var back Policy
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	b2, _ := json.Marshal(back)
	if string(b) != string(b2) || back.Stages[2].Experiment.Variants[1].ShiftDays != 2 {
		t.Errorf("round trip:\n%s\n%s", b, b2)
	}
	if !strings.Contains(string(b), `"offset":-3`) || !strings.Contains(string(b), `"fee_minor":250`) {
		t.Errorf("json: %s", b)
	}
}
