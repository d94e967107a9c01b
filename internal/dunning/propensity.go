package dunning

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sort"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/store"
)

// propensity (issue 9): a propensity-to-pay score per debtor, learned
// from the creditor's own history by a small logistic regression. The
// features and the label are documented in doc.go.

// FeatureNames are the model's features in the order of its weights.
// Each has a name "staff.experiments.feature.<name>" for staff.
var FeatureNames = []string{"share_late", "avg_lag", "overdue", "log_arrears", "tenure_months", "months_punctual",
	"log_paid", "business", "hardship"}

// FeatureKey is the translation key of a feature's name.
func FeatureKey(name string) string { return "staff.experiments.feature." + name }

// FeatureVector is a row's features in the order of FeatureNames.
func FeatureVector(r *store.PropensityRow) []float64 {
	b := func(v bool) float64 {
		if v {
			return 1
		}
		return 0
	}
	return []float64{r.ShareLate, r.AvgLag, r.Overdue, r.LogArrears, r.TenureMonths, r.MonthsPunctual, r.LogPaid,
		b(r.Business), b(r.Hardship)}
}

// Model is a trained logistic regression on standardised features:
// P(pays by itself) = σ(Bias + Σ Weights[i] · (x[i] − Means[i]) / Scales[i]).
type Model struct {
	Features   []string  `json:"features"`
	Weights    []float64 `json:"weights"`
	Bias       float64   `json:"bias"`
	Means      []float64 `json:"means"`
	Scales     []float64 `json:"scales"`
	Lambda     float64   `json:"lambda"`
	Iterations int       `json:"iterations"`
	Rate       float64   `json:"rate"`
	BaseRate   float64   `json:"base_rate"` // the share of positive labels in training
}

// Training parameters.
const (
	// MinTrainingRows is how many labelled rows a creditor needs before
	// a model is trained; with fewer the nightly job skips the creditor.
	MinTrainingRows = 200
	trainLambda     = 0.01 // L2 penalty on the weights (not the bias)
	trainRate       = 0.5  // step of the gradient descent
	trainIterations = 400
)

// Holdout reports whether a debtor's rows are held out of training to
// measure the model: one debtor in five, by a hash of the debtor's id
// (whole debtors, so the holdout measures debtors the model never saw).
func Holdout(debtorID int64) bool { return Bucket("propensity-holdout", debtorID)%5 == 0 }

// Train fits the model to the rows by batch gradient descent on the
// mean log loss with an L2 penalty. It is deterministic: the same rows
// give the same model (weights start at zero, no randomness).
func Train(x [][]float64, y []bool) *Model {
	n := len(x)
	k := len(FeatureNames)
	m := &Model{Features: FeatureNames, Weights: make([]float64, k), Means: make([]float64, k), Scales: make([]float64, k),
		Lambda: trainLambda, Iterations: trainIterations, Rate: trainRate}
	if n == 0 {
		return m
	}
	pos := 0
	for _, l := range y {
		if l {
			pos++
		}
	}
	m.BaseRate = float64(pos) / float64(n)
	for j := range k {
		var s float64
		for i := range n {
			s += x[i][j]
		}
		m.Means[j] = s / float64(n)
		var v float64
		for i := range n {
			d := x[i][j] - m.Means[j]
			v += d * d
		}
		m.Scales[j] = math.Sqrt(v / float64(n))
		if m.Scales[j] < 1e-9 {
			m.Scales[j] = 1 // a constant feature: its weight stays 0
		}
	}
	z := make([][]float64, n)
	for i := range n {
		z[i] = m.standardise(x[i])
	}
	// Start from the base rate so the bias need not walk there.
	if pos > 0 && pos < n {
		m.Bias = math.Log(m.BaseRate / (1 - m.BaseRate))
	}
	grad := make([]float64, k)
	for range trainIterations {
		clear(grad)
		var gb float64
		for i := range n {
			p := sigmoid(m.Bias + dot(m.Weights, z[i]))
			t := 0.0
			if y[i] {
				t = 1
			}
			e := p - t
			gb += e
			for j := range k {
				grad[j] += e * z[i][j]
			}
		}
		for j := range k {
			m.Weights[j] -= trainRate * (grad[j]/float64(n) + trainLambda*m.Weights[j])
		}
		m.Bias -= trainRate * gb / float64(n)
	}
	return m
}

func (m *Model) standardise(x []float64) []float64 {
	z := make([]float64, len(x))
	for j := range x {
		z[j] = (x[j] - m.Means[j]) / m.Scales[j]
	}
	return z
}

// Score is the probability that a debtor with features x pays by itself.
func (m *Model) Score(x []float64) float64 { return sigmoid(m.Bias + dot(m.Weights, m.standardise(x))) }

// Factor is one feature's part in a score: weight × standardised value
// (positive raises the score, negative lowers it).
type Factor struct {
	Feature      string  `json:"feature"`
	Key          string  `json:"key"` // translation key of the feature's name
	Contribution float64 `json:"contribution"`
}

// Factors are the n features that moved a score most, largest first.
func (m *Model) Factors(x []float64, n int) []Factor {
	z := m.standardise(x)
	list := make([]Factor, len(z))
	for j := range z {
		list[j] = Factor{Feature: m.Features[j], Key: FeatureKey(m.Features[j]), Contribution: m.Weights[j] * z[j]}
	}
	sort.SliceStable(list, func(a, b int) bool { return math.Abs(list[a].Contribution) > math.Abs(list[b].Contribution) })
	var out []Factor
	for _, f := range list[:min(n, len(list))] {
		if math.Abs(f.Contribution) >= 0.01 { // no factor "because of" nothing
			out = append(out, f)
		}
	}
	return out
}

// AUC is the area under the ROC curve of the scores for the labels: the
// probability that a random positive scores above a random negative
// (ties count half), by the Mann-Whitney rank sum. NaN without both
// positives and negatives.
func AUC(scores []float64, labels []bool) float64 {
	n := len(scores)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return scores[idx[a]] < scores[idx[b]] })
	ranks := make([]float64, n)
	for i := 0; i < n; {
		j := i
		for j+1 < n && scores[idx[j+1]] == scores[idx[i]] {
			j++
		}
		r := float64(i+j)/2 + 1 // mean rank of the ties (1-based)
		for t := i; t <= j; t++ {
			ranks[idx[t]] = r
		}
		i = j + 1
	}
	var pos, neg, sum float64
	for i, l := range labels {
		if l {
			pos++
			sum += ranks[i]
		} else {
			neg++
		}
	}
	if pos == 0 || neg == 0 {
		return math.NaN()
	}
	return (sum - pos*(pos+1)/2) / (pos * neg)
}

func sigmoid(v float64) float64 { return 1 / (1 + math.Exp(-v)) }

func dot(a, b []float64) float64 {
	var s float64
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// KindPropensityJob is the nightly job that trains each creditor's
// model and scores their debtors.
const KindPropensityJob = "dunning.propensity"

// PropensityReport is what training and scoring did for one creditor.
type PropensityReport struct {
	Creditor    string
	Rows        int     // labelled rows found
	Skipped     bool    // too few rows: no model trained (the last one, if any, still scores)
	TrainRows   int     //
	HoldoutRows int     //
	AUC         float64 // on the holdout (NaN: not measurable)
	Scored      int     // debtors scored
}

// Propensity trains the creditor's model on its history (when it has at
// least MinTrainingRows labelled rows; else the newest stored model, if
// any, scores) and writes every debtor's score and top three factors.
func (e *Engine) Propensity(ctx context.Context, c *ar.Creditor) (*PropensityReport, error) {
	now := e.now()
	today := c.Today(now)
	rep := &PropensityReport{Creditor: c.Slug, AUC: math.NaN()}
	rows, err := e.Store.PropensityTrainingRows(ctx, c.ID, today)
	if err != nil {
		return nil, err
	}
	rep.Rows = len(rows)
	var model *Model
	if len(rows) < MinTrainingRows {
		rep.Skipped = true
		stored, err := e.Store.LatestPropensityModel(ctx, c.ID)
		if err != nil || stored == nil {
			return rep, err
		}
		model = new(Model)
		if err := json.Unmarshal(stored.Model, model); err != nil {
			return nil, fmt.Errorf("dunning: creditor %s: propensity model %d: %w", c.Slug, stored.ID, err)
		}
	} else {
		var trainX, holdX [][]float64
		var trainY, holdY []bool
		for i := range rows {
			x, y := FeatureVector(&rows[i]), rows[i].Label != nil && *rows[i].Label
			if Holdout(rows[i].DebtorID) {
				holdX, holdY = append(holdX, x), append(holdY, y)
			} else {
				trainX, trainY = append(trainX, x), append(trainY, y)
			}
		}
		model = Train(trainX, trainY)
		scores := make([]float64, len(holdX))
		for i, x := range holdX {
			scores[i] = model.Score(x)
		}
		rep.TrainRows, rep.HoldoutRows, rep.AUC = len(trainX), len(holdX), AUC(scores, holdY)
		b, err := json.Marshal(model)
		if err != nil {
			return nil, err
		}
		pm := store.PropensityModel{CreditorID: c.ID, TrainedAt: now, TrainRows: rep.TrainRows, HoldoutRows: rep.HoldoutRows, Model: b}
		if !math.IsNaN(rep.AUC) {
			auc := rep.AUC
			pm.AUC = &auc
		}
		if _, err := e.Store.SavePropensityModel(ctx, pm); err != nil {
			return nil, err
		}
	}
	debtors, err := e.Store.PropensityScoringRows(ctx, c.ID, today)
	if err != nil {
		return nil, err
	}
	scores := make([]store.PropensityScore, len(debtors))
	for i := range debtors {
		x := FeatureVector(&debtors[i])
		f, err := json.Marshal(model.Factors(x, 3))
		if err != nil {
			return nil, err
		}
		scores[i] = store.PropensityScore{DebtorID: debtors[i].DebtorID, Propensity: model.Score(x), Factors: f}
	}
	if err := e.Store.SetPropensityScores(ctx, c.ID, now, scores); err != nil {
		return nil, err
	}
	rep.Scored = len(scores)
	return rep, nil
}

// Propensities trains and scores for one creditor or all (0), logging
// what each did (and the creditors skipped for too little history).
func (e *Engine) Propensities(ctx context.Context, creditorID int64) ([]*PropensityReport, error) {
	creditors, err := e.Store.Creditors(ctx)
	if err != nil {
		return nil, err
	}
	var list []*PropensityReport
	for _, c := range creditors {
		if creditorID != 0 && c.ID != creditorID {
			continue
		}
		rep, err := e.Propensity(ctx, c)
		if err != nil {
			return list, err
		}
		if rep.Skipped {
			e.log().InfoContext(ctx, "propensity model not trained: too little history", "creditor", c.Slug,
				"rows", rep.Rows, "need", MinTrainingRows, "scored", rep.Scored)
		} else {
			e.log().InfoContext(ctx, "propensity model trained", "creditor", c.Slug, "train_rows", rep.TrainRows,
				"holdout_rows", rep.HoldoutRows, "auc", rep.AUC, "scored", rep.Scored)
		}
		list = append(list, rep)
	}
	return list, nil
}
