package dunning

import (
	"math"
	"testing"
)

func TestWilson(t *testing.T) {
	// Known values (R: prop.test(x, n, correct = FALSE)$conf.int, or
	// statsmodels proportion_confint(method="wilson")).
	cases := []struct {
		x, n   int
		lo, hi float64
	}{
		{81, 263, 0.2553, 0.3662},
		{0, 10, 0, 0.2775},
		{10, 10, 0.7225, 1},
		{50, 100, 0.4038, 0.5962},
		{1, 2, 0.0945, 0.9055},
	}
	for _, c := range cases {
		lo, hi := Wilson(c.x, c.n)
		if math.Abs(lo-c.lo) > 0.0001 || math.Abs(hi-c.hi) > 0.0001 {
			t.Errorf("Wilson(%d, %d) = %.4f–%.4f, want %.4f–%.4f", c.x, c.n, lo, hi, c.lo, c.hi)
		}
	}
	if lo, hi := Wilson(0, 0); lo != 0 || hi != 1 {
		t.Errorf("Wilson(0, 0) = %v–%v", lo, hi)
	}
}

func TestTwoProportionP(t *testing.T) {
	cases := []struct {
		x1, n1, x2, n2 int
		p              float64
	}{
		// 60/100 vs 45/100: pooled 0.525, se 0.07062, z = 2.124, p = 0.0337.
		{60, 100, 45, 100, 0.0337},
		{50, 100, 50, 100, 1},
		// 410/1000 vs 460/1000: pooled 0.435, z = 2.255, p = 0.0241.
		{410, 1000, 460, 1000, 0.0241},
		{0, 0, 5, 10, 1},
		{0, 10, 0, 10, 1},
	}
	for _, c := range cases {
		if p := TwoProportionP(c.x1, c.n1, c.x2, c.n2); math.Abs(p-c.p) > 0.0005 {
			t.Errorf("TwoProportionP(%d/%d, %d/%d) = %.4f, want %.4f", c.x1, c.n1, c.x2, c.n2, p, c.p)
		}
	}
}

// TestPromote: the winner's tone, channel and shift go into the stage
// and the experiment is gone; a fixed channel drops the fallbacks.
func TestPromote(t *testing.T) {
	p := DefaultPolicies("EUR")[1] // standard
	i := 1                         // soft, on the due date, preferred channel with fallbacks
	p.Stages[i].Experiment = &Experiment{ID: "x", Variants: []Variant{{Key: "control", Weight: 50},
		{Key: "sms-later", Weight: 50, Channel: SMS, Tone: Neutral, ShiftDays: 2}}}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if p.Promote(i, "nope") {
		t.Error("promoted an unknown variant")
	}
	if !p.Promote(i, "sms-later") {
		t.Fatal("not promoted")
	}
	s := p.Stages[i]
	if s.Experiment != nil || s.Channel != SMS || s.Fallbacks != nil || s.Tone != Neutral || s.Offset != 2 {
		t.Errorf("stage after promotion: %+v", s)
	}
	if err := p.Validate(); err != nil {
		t.Errorf("promoted policy invalid: %v", err)
	}
	// The control keeps the stage as it was.
	q := DefaultPolicies("EUR")[1]
	q.Stages[i].Experiment = &Experiment{ID: "y", Variants: []Variant{{Key: "control", Weight: 50}, {Key: "b", Weight: 50, Tone: Firm}}}
	q.Promote(i, "control")
	if want := DefaultPolicies("EUR")[1].Stages[i]; q.Stages[i].Tone != want.Tone || q.Stages[i].Offset != want.Offset ||
		q.Stages[i].Channel != want.Channel || len(q.Stages[i].Fallbacks) != len(want.Fallbacks) || q.Stages[i].Experiment != nil {
		t.Errorf("control promoted: %+v", q.Stages[i])
	}
}
