package handlers

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/dunning"
	"github.com/settle/settle/internal/staff"
	"github.com/settle/settle/internal/store"
	"github.com/settle/settle/views"
)

// experiments (issue 9): the experiments report, starting and ending
// experiments, the propensity model and the debtor view's score.

// addExperiment stores c's standard policy with an experiment on its
// soft reminder (control and a firm variant, 50/50) and returns its id.
func (h *harness) addExperiment(c *ar.Creditor, id string) string {
	h.t.Helper()
	var p dunning.Policy
	for _, x := range dunning.DefaultPolicies(c.Currency) {
		if x.Key == dunning.PolicyStandard {
			p = x
		}
	}
	p.Stage("soft").Experiment = &dunning.Experiment{ID: id, Variants: []dunning.Variant{
		{Key: "control", Weight: 50}, {Key: "firm", Weight: 50, Tone: dunning.Firm}}}
	if err := p.Validate(); err != nil {
		h.t.Fatal(err)
	}
	b, _ := json.Marshal(p)
	if _, err := h.st.SaveDunningPolicy(h.ctx, c.ID, p.Key, b, nil); err != nil {
		h.t.Fatal(err)
	}
	return id
}

// storedPolicy is c's stored policy with the key and its version.
func (h *harness) storedPolicy(c *ar.Creditor, key string) (*dunning.Policy, int) {
	h.t.Helper()
	docs, err := h.st.DunningPolicies(h.ctx, c.ID)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, d := range docs {
		if d.Key == key {
			var p dunning.Policy
			if err := json.Unmarshal(d.Definition, &p); err != nil {
				h.t.Fatal(err)
			}
			return &p, d.Version
		}
	}
	return nil, 0
}

// TestExperimentOutcomes: two variants with known outcomes give known
// numbers, and the page shows them with their intervals.
func TestExperimentOutcomes(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	id := h.addExperiment(h.a, "tone-test")
	line := []lineSpec{{"Strom", 1000, 10000, 0}} // 100.00
	act := func(number, variant, msgStatus string, linkUsed bool, at time.Time) *ar.Invoice {
		inv := h.addInvoice(h.a, h.alice, number, "Strom", "2026-09-20", "2026-10-04", line, 0)
		var msg, link int64
		if err := h.db.Get(&msg, `INSERT INTO messages (creditor_id, debtor_id, channel, recipient, body, purpose, status)
			VALUES ($1, $2, 'email', 'a@example.org', 'x', 'dunning', $3) RETURNING id`, h.a.ID, h.alice.ID, msgStatus); err != nil {
			t.Fatal(err)
		}
		uses := 0
		if linkUsed {
			uses = 1
		}
		if err := h.db.Get(&link, `INSERT INTO access_links (creditor_id, debtor_id, token_hash, channel, expires_at, use_count)
			VALUES ($1, $2, sha256(convert_to($3, 'UTF8')), 'email', $4, $5) RETURNING id`, h.a.ID, h.alice.ID, number,
			at.Add(720*time.Hour), uses); err != nil {
			t.Fatal(err)
		}
		if _, err := h.db.Exec(`INSERT INTO dunning_actions (creditor_id, debtor_id, invoice_id, policy_key, policy_version,
				stage, kind, experiment, variant, channel, tone, open_minor, currency, status, message_id, link_id, created_at)
			VALUES ($1, $2, $3, 'standard', 1, 'soft', 'soft', $4, $5, 'email', 'friendly', 10000, 'EUR', 'sent', $6, $7, $8)`,
			h.a.ID, h.alice.ID, inv.ID, id, variant, msg, link, at); err != nil {
			t.Fatal(err)
		}
		return inv
	}
	pay := func(inv *ar.Invoice, on string) {
		if _, err := h.db.Exec(`INSERT INTO ledger_entries (creditor_id, debtor_id, invoice_id, kind, amount_minor, currency,
			value_date, reference) VALUES ($1, $2, $3, 'payment', -10000, 'EUR', $4, 'x')`, h.a.ID, h.alice.ID, inv.ID, on); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Date(2026, 10, 14, 8, 0, 0, 0, time.UTC) // 40 days before the harness's today
	// Control: one reached, opened and paid after 5 days; one whose
	// message failed, never paid.
	pay(act("X-1", "control", "sent", true, old), "2026-10-19")
	act("X-2", "control", "failed", false, old)
	// Firm: one paid after 20 days and disputed two days after the
	// reminder; one sent three days ago (too young for any "paid within").
	x3 := act("X-3", "firm", "sent", false, old)
	pay(x3, "2026-11-03")
	if _, err := h.db.Exec(`INSERT INTO disputes (public_id, creditor_id, debtor_id, invoice_id, reason, disputed_minor,
		currency, created_at) VALUES ('dsp_exp', $1, $2, $3, 'wrong_amount', 10000, 'EUR', $4)`,
		h.a.ID, h.alice.ID, x3.ID, old.Add(48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	act("X-4", "firm", "queued", false, h.clock.Now().Add(-72*time.Hour))

	got, err := h.st.ExperimentOutcomes(h.ctx, h.a.ID, h.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	want := []store.VariantOutcome{
		{Experiment: id, Variant: "control", Actions: 2, Reached: 1, Opened: 1, Matured7: 2, Paid7: 1, Matured14: 2,
			Paid14: 1, Matured30: 2, Paid30: 1, CollectedMinor: 10000},
		{Experiment: id, Variant: "firm", Actions: 2, Reached: 2, Opened: 0, Matured7: 1, Paid7: 0, Matured14: 1,
			Paid14: 0, Matured30: 1, Paid30: 1, CollectedMinor: 10000, Disputes: 1},
	}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("outcomes\n got %+v\nwant %+v", got, want)
	}
	// Creditor B sees none of it.
	if b, _ := h.st.ExperimentOutcomes(h.ctx, h.b.ID, h.clock.Now()); len(b) != 0 {
		t.Errorf("creditor B sees %+v", b)
	}

	admin := h.staffClient(staff.RoleAdmin, h.a)
	res := admin.get("/staff/dunning/experiments", "Accept-Language", "en")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("page = %d", res.StatusCode)
	}
	for _, s := range []string{"tone-test", "50 % (9–91 %)", "1 of 2", "100 % (21–100 %)", "Not enough data yet",
		"(the smallest has 1)", "tone Firm"} {
		if !strings.Contains(res.body, s) {
			t.Errorf("page lacks %q", s)
		}
	}
	res = admin.get("/staff/dunning/experiments", "Accept-Language", "de")
	for _, s := range []string{"Mahn-Experimente", "50 % (9–91 %)", "1 von 2", "Noch nicht genug Daten"} {
		if !strings.Contains(res.body, s) {
			t.Errorf("German page lacks %q", s)
		}
	}
	// Only admins see it.
	for _, role := range []string{staff.RoleAgent, staff.RoleAR} {
		if res := h.staffClient(role, h.a).get("/staff/dunning/experiments"); res.StatusCode != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", role, res.StatusCode)
		}
	}
}

// TestExperimentVerdict: with enough data the page names the leader and
// says whether the lead is significant.
func TestExperimentVerdict(t *testing.T) {
	loc := newHarness(t).en()
	e := newExperimentVM("control", "firm")
	fillOutcomes(loc, &e, []store.VariantOutcome{
		{Variant: "control", Matured14: 200, Paid14: 80},
		{Variant: "firm", Matured14: 200, Paid14: 110}})
	if got := loc.T(e.Verdict, e.VerdictArgs...); !strings.Contains(got, "firm leads: 55 % paid within 14 days against 40 %") ||
		!strings.Contains(got, "significant (p = 0.003)") {
		t.Errorf("verdict %q", got)
	}
	e = newExperimentVM("control", "firm")
	fillOutcomes(loc, &e, []store.VariantOutcome{
		{Variant: "control", Matured14: 40, Paid14: 16},
		{Variant: "firm", Matured14: 40, Paid14: 19}})
	if got := loc.T(e.Verdict, e.VerdictArgs...); !strings.Contains(got, "could still be chance") {
		t.Errorf("verdict %q", got)
	}
	e = newExperimentVM("control", "firm")
	fillOutcomes(loc, &e, []store.VariantOutcome{
		{Variant: "control", Matured14: 40, Paid14: 30},
		{Variant: "firm", Matured14: 40, Paid14: 19}})
	if got := loc.T(e.Verdict, e.VerdictArgs...); !strings.Contains(got, "The control (control) leads with 75 %") {
		t.Errorf("verdict %q", got)
	}
}

// TestExperimentStartEnd: an admin starts an experiment on a built-in
// policy (which makes it a stored one), refused input comes back
// translated, and ending it promotes the winner into the stage as a new
// version, recorded and audited.
func TestExperimentStartEnd(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin := h.staffClient(staff.RoleAdmin, h.a)
	if res := admin.get("/staff/dunning/experiments/new", "Accept-Language", "en"); res.StatusCode != http.StatusOK ||
		!strings.Contains(res.body, `value="standard/soft"`) {
		t.Fatalf("form = %d", res.StatusCode)
	}
	form := url.Values{"target": {"standard/soft"}, "id": {"soft-tone"},
		"v0_key": {"control"}, "v0_weight": {"60"}, "v0_shift": {"0"},
		"v1_key": {"firm"}, "v1_weight": {"50"}, "v1_tone": {"firm"}, "v1_shift": {"2"}}
	res := admin.post("/staff/dunning/experiments/new", form, "Accept-Language", "en")
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.body, "must add up to 100 percent (now 110)") ||
		!strings.Contains(res.body, `value="soft-tone"`) {
		t.Fatalf("weights 110: %d", res.StatusCode)
	}
	res = admin.post("/staff/dunning/experiments/new", form, "Accept-Language", "de")
	if !strings.Contains(res.body, "100 Prozent") && !strings.Contains(res.body, "100 %") {
		t.Errorf("German error missing")
	}
	if p, _ := h.storedPolicy(h.a, "standard"); p != nil {
		t.Fatal("refused input stored a policy")
	}
	form.Set("v0_weight", "50")
	if res := admin.post("/staff/dunning/experiments/new", form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("start = %d: %s", res.StatusCode, res.body)
	}
	p, version := h.storedPolicy(h.a, "standard")
	if p == nil || version != 1 || p.Stage("soft").Experiment == nil || p.Stage("soft").Experiment.ID != "soft-tone" {
		t.Fatalf("stored %+v v%d", p, version)
	}
	if n := h.auditCount(h.a, "experiment.started"); n != 1 {
		t.Errorf("%d experiment.started", n)
	}
	// The same key again is refused.
	if res := admin.post("/staff/dunning/experiments/new", url.Values{"target": {"gentle/soft"}, "id": {"soft-tone"},
		"v0_key": {"a"}, "v0_weight": {"50"}, "v1_key": {"b"}, "v1_weight": {"50"}}, "Accept-Language", "en"); res.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(res.body, "already used by another experiment") {
		t.Errorf("same key: %d", res.StatusCode)
	}
	page := admin.get("/staff/dunning/experiments", "Accept-Language", "en")
	if !strings.Contains(page.body, `data-testid="experiment-soft-tone"`) || !strings.Contains(page.body, "tone Firm, +2 days") {
		t.Errorf("running experiment not shown")
	}

	// Non-admins may not end it; nor may creditor B's admin see it.
	for _, role := range []string{staff.RoleAgent, staff.RoleAR} {
		if res := h.staffClient(role, h.a).post("/staff/dunning/experiments/soft-tone/end", url.Values{"winner": {"firm"}}); res.StatusCode != http.StatusForbidden {
			t.Errorf("%s ends: %d", role, res.StatusCode)
		}
	}
	if res := h.staffClient(staff.RoleAdmin, h.b).post("/staff/dunning/experiments/soft-tone/end", url.Values{"winner": {"firm"}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("creditor B ends A's experiment: %d", res.StatusCode)
	}
	// No winner: the page again with the error.
	if res := admin.post("/staff/dunning/experiments/soft-tone/end", url.Values{}, "Accept-Language", "en"); res.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(res.body, "Choose the variant that goes into the stage") {
		t.Errorf("no winner: %d", res.StatusCode)
	}
	if res := admin.post("/staff/dunning/experiments/soft-tone/end", url.Values{"winner": {"firm"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("end = %d: %s", res.StatusCode, res.body)
	}
	p, version = h.storedPolicy(h.a, "standard")
	soft := p.Stage("soft")
	if version != 2 || soft.Experiment != nil || soft.Tone != dunning.Firm || soft.Offset != 2 {
		t.Errorf("after the end: v%d %+v", version, soft)
	}
	if n := h.queryInt(`SELECT count(*) FROM dunning_experiments WHERE creditor_id = $1 AND experiment = 'soft-tone'
		AND winner = 'firm' AND policy_key = 'standard' AND stage = 'soft' AND ended_by IS NOT NULL`, h.a.ID); n != 1 {
		t.Errorf("%d dunning_experiments rows", n)
	}
	if n := h.auditCount(h.a, "experiment.ended"); n != 1 {
		t.Errorf("%d experiment.ended", n)
	}
	page = admin.get("/staff/dunning/experiments?done=ended", "Accept-Language", "en")
	if !strings.Contains(page.body, "The experiment has ended") || !strings.Contains(page.body, "firm was taken over") ||
		!strings.Contains(page.body, "No experiment is running") {
		t.Errorf("ended page wrong")
	}
	// Ended: no longer running, so a second end is not found.
	if res := admin.post("/staff/dunning/experiments/soft-tone/end", url.Values{"winner": {"firm"}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("second end: %d", res.StatusCode)
	}
}

// TestPropensityShown: admins see the model on the experiments page;
// every staff role sees a debtor's score with its top factors in words.
func TestPropensityShown(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin := h.staffClient(staff.RoleAdmin, h.a)
	if res := admin.get("/staff/dunning/experiments", "Accept-Language", "en"); !strings.Contains(res.body, "No model yet") {
		t.Error("no model: text missing")
	}
	m := dunning.Model{Features: dunning.FeatureNames, Weights: make([]float64, len(dunning.FeatureNames)),
		Means: make([]float64, len(dunning.FeatureNames)), Scales: make([]float64, len(dunning.FeatureNames)), BaseRate: 0.62}
	m.Weights[0] = -1.25
	b, _ := json.Marshal(m)
	auc := 0.873
	if _, err := h.st.SavePropensityModel(h.ctx, store.PropensityModel{CreditorID: h.a.ID, TrainedAt: h.clock.Now(),
		TrainRows: 4000, HoldoutRows: 1000, AUC: &auc, Model: b}); err != nil {
		t.Fatal(err)
	}
	res := admin.get("/staff/dunning/experiments", "Accept-Language", "en")
	for _, s := range []string{"0.87", "4000 for training, 1000 held back", "Share of invoices paid late", "−1.25", "62 %"} {
		if !strings.Contains(res.body, s) {
			t.Errorf("model section lacks %q", s)
		}
	}
	if res := admin.get("/staff/dunning/experiments", "Accept-Language", "de"); !strings.Contains(res.body, "0,87") {
		t.Error("German AUC")
	}

	path := "/staff/debtors/" + strconv.FormatInt(h.alice.ID, 10)
	agent := h.staffClient(staff.RoleAgent, h.a)
	if res := agent.get(path, "Accept-Language", "en"); !strings.Contains(res.body, "No score yet") {
		t.Error("unscored debtor: text missing")
	}
	factors := `[{"feature":"share_late","key":"staff.experiments.feature.share_late","contribution":-0.9},
		{"feature":"log_paid","key":"staff.experiments.feature.log_paid","contribution":0.4}]`
	if _, err := h.db.Exec(`INSERT INTO debtor_behaviour (creditor_id, debtor_id, computed_at, propensity, factors)
		VALUES ($1, $2, now(), 0.82, $3)`, h.a.ID, h.alice.ID, factors); err != nil {
		t.Fatal(err)
	}
	res = agent.get(path, "Accept-Language", "en")
	for _, s := range []string{"Likely to pay by itself: 82 %", "Share of invoices paid late: lowers the score",
		"Invoices paid so far: raises the score"} {
		if !strings.Contains(res.body, s) {
			t.Errorf("debtor view lacks %q", s)
		}
	}
	res = agent.get(path, "Accept-Language", "de")
	for _, s := range []string{"Zahlt voraussichtlich von selbst: 82 %", "Anteil verspätet bezahlter Rechnungen: senkt den Wert"} {
		if !strings.Contains(res.body, s) {
			t.Errorf("German debtor view lacks %q", s)
		}
	}
}

// newExperimentVM is an experiment's view model with variants by key.
func newExperimentVM(keys ...string) views.ExperimentVM {
	var e views.ExperimentVM
	for _, k := range keys {
		e.Variants = append(e.Variants, views.VariantVM{Key: k})
	}
	return e
}
