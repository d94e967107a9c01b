package dunning_test

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/settle/settle/internal/dunning"
	"github.com/settle/settle/internal/seed"
)

func TestAUC(t *testing.T) {
	cases := []struct {
		scores []float64
		labels []bool
		want   float64
	}{
		{[]float64{0.1, 0.4, 0.35, 0.8}, []bool{false, false, true, true}, 0.75},
		{[]float64{0.1, 0.2, 0.3}, []bool{false, true, true}, 1},
		{[]float64{0.5, 0.5, 0.5, 0.5}, []bool{false, true, false, true}, 0.5},
		{[]float64{0.9, 0.1}, []bool{false, true}, 0},
	}
	for _, c := range cases {
		if got := dunning.AUC(c.scores, c.labels); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("AUC(%v, %v) = %v, want %v", c.scores, c.labels, got, c.want)
		}
	}
	if !math.IsNaN(dunning.AUC([]float64{1, 2}, []bool{true, true})) {
		t.Error("AUC of positives only is not NaN")
	}
}

// TestPropensitySeeded trains on the seed's payment habits: punctual
// payers and those a few days late pay within 14 days of the due date,
// very late, erratic and non-payers do not; the model must tell them
// apart on the holdout and score punctual debtors higher.
func TestPropensitySeeded(t *testing.T) {
	w := setup(t)
	if _, err := seed.Generate(w.ctx, w.st.DB(), seed.Options{CreditorID: w.c.ID, Debtors: 400, InvoicesPerDebtor: 12,
		AsOf: civil("2026-11-23")}); err != nil {
		t.Fatal(err)
	}
	rep, err := w.e.Propensity(w.ctx, w.c)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Skipped || rep.TrainRows < 2000 || rep.HoldoutRows < 400 || rep.Scored != 400 {
		t.Fatalf("report %+v", rep)
	}
	if rep.AUC <= 0.8 {
		t.Errorf("holdout AUC %.3f, want > 0.8", rep.AUC)
	}
	m, err := w.st.LatestPropensityModel(w.ctx, w.c.ID)
	if err != nil || m == nil {
		t.Fatal(m, err)
	}
	if m.AUC == nil || math.Abs(*m.AUC-rep.AUC) > 1e-6 || m.TrainRows != rep.TrainRows {
		t.Errorf("stored model %+v, report %+v", m, rep)
	}
	var model dunning.Model
	if err := json.Unmarshal(m.Model, &model); err != nil || len(model.Weights) != len(dunning.FeatureNames) {
		t.Fatalf("model %s: %v", m.Model, err)
	}

	// Punctual debtors score higher on average than everyone else.
	var rows []struct {
		Number     string  `db:"customer_number"`
		Propensity float64 `db:"propensity"`
		Factors    []byte  `db:"factors"`
	}
	if err := w.st.DB().Select(&rows, `SELECT d.customer_number, b.propensity, b.factors FROM debtor_behaviour b
		JOIN debtors d ON d.id = b.debtor_id WHERE b.creditor_id = $1`, w.c.ID); err != nil {
		t.Fatal(err)
	}
	var sum [2]float64
	var n [2]int
	for _, r := range rows {
		var g int64
		for _, ch := range r.Number {
			g = g*10 + int64(ch-'0')
		}
		i := 0
		if seed.HabitOf(g-10_000_000) == seed.Punctual {
			i = 1
		}
		sum[i] += r.Propensity
		n[i]++
		var f []dunning.Factor
		if err := json.Unmarshal(r.Factors, &f); err != nil || len(f) == 0 || len(f) > 3 {
			t.Fatalf("factors %s: %v", r.Factors, err)
		}
	}
	if n[0] == 0 || n[1] == 0 || sum[1]/float64(n[1]) <= sum[0]/float64(n[0])+0.1 {
		t.Errorf("mean score punctual %.3f (%d), others %.3f (%d)", sum[1]/float64(n[1]), n[1], sum[0]/float64(n[0]), n[0])
	}

	// Training is deterministic: the same data give the same model.
	again, err := w.e.Propensity(w.ctx, w.c)
	if err != nil {
		t.Fatal(err)
	}
	m2, _ := w.st.LatestPropensityModel(w.ctx, w.c.ID)
	if again.AUC != rep.AUC || string(m2.Model) != string(m.Model) {
		t.Errorf("second training differs: AUC %v vs %v", again.AUC, rep.AUC)
	}
}

// TestPropensityTooLittleHistory: a creditor with few invoices gets no
// model, and nobody a score.
func TestPropensityTooLittleHistory(t *testing.T) {
	w := setup(t)
	w.debtor(t, "1", 5000, nil)
	rep, err := w.e.Propensity(w.ctx, w.c)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Skipped || rep.Scored != 0 {
		t.Errorf("report %+v", rep)
	}
	if n := w.count(t, `SELECT count(*) FROM propensity_models`); n != 0 {
		t.Errorf("%d models", n)
	}
}

// TestEnginePropensityRule: a segment rule "propensity ≥ 0.8 → gentle"
// sends a high scorer down the gentle policy (soft reminder at +3, not
// the standard one's on the due date) and a low scorer down standard.
func TestEnginePropensityRule(t *testing.T) {
	w := setup(t)
	settings := dunning.DefaultSettings()
	settings.Segmentation.Rules = append([]dunning.Rule{{Name: "likely self-payers", Policy: dunning.PolicyGentle,
		MinPropensity: 0.8}}, settings.Segmentation.Rules...)
	b, _ := json.Marshal(settings)
	if _, err := w.st.SaveDunningSettings(w.ctx, w.c.ID, b, nil); err != nil {
		t.Fatal(err)
	}
	hi, hiInv := w.debtor(t, "1", 5000, nil)
	lo, loInv := w.debtor(t, "2", 5000, nil)
	for d, p := range map[int64]float64{hi.ID: 0.93, lo.ID: 0.41} {
		if _, err := w.st.DB().Exec(`INSERT INTO debtor_behaviour (creditor_id, debtor_id, computed_at, propensity)
			VALUES ($1, $2, now(), $3)`, w.c.ID, d, p); err != nil {
			t.Fatal(err)
		}
	}
	type act struct{ Stage, Policy string }
	acts := func(id int64) []act {
		var list []act
		if err := w.st.DB().Select(&list, `SELECT stage, policy_key AS policy FROM dunning_actions WHERE invoice_id = $1
			ORDER BY id`, id); err != nil {
			t.Fatal(err)
		}
		return list
	}
	// The due date: standard's soft reminder; gentle's waits until +3
	// (its nudge, passed over by the standard policy, goes out instead).
	w.run(t, "2026-12-01 09:30")
	if a := acts(loInv.ID); len(a) != 1 || a[0].Stage != "soft" || a[0].Policy != dunning.PolicyStandard {
		t.Errorf("low scorer: %+v", a)
	}
	if a := acts(hiInv.ID); len(a) != 1 || a[0].Stage != "nudge" || a[0].Policy != dunning.PolicyGentle {
		t.Errorf("high scorer on the due date: %+v", a)
	}
	w.run(t, "2026-12-04 09:30")
	if a := acts(hiInv.ID); len(a) != 2 || a[1].Stage != "soft" || a[1].Policy != dunning.PolicyGentle {
		t.Errorf("high scorer at +3: %+v", a)
	}
}
