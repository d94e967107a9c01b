package plans_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/i18n"
	"github.com/settle/settle/internal/plans"
	"github.com/settle/settle/internal/portal"
	"github.com/settle/settle/internal/store"
	"github.com/settle/settle/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

type world struct {
	ctx    context.Context
	st     *store.Store
	svc    *plans.Service
	c      *ar.Creditor
	debtor int64
	now    time.Time
}

func day(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }

// setup makes a creditor with one debtor and three open invoices of
// 100, 200 and 300 € (with VAT).
func setup(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{ctx: ctx, st: store.New(testdb.New(t)), now: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	id, err := w.st.CreateCreditor(ctx, store.NewCreditor{Creditor: ar.Creditor{Slug: "alpha", Name: "Alpha",
		PrimaryColor: "#123456", AccentColor: "#654321", DefaultLanguage: "de", Timezone: "Europe/Berlin",
		Currency: "EUR", StepUp: ar.StepUpKnowledge, StepUpKnowledge: ar.KnowPostcode}})
	if err != nil {
		t.Fatal(err)
	}
	if w.c, err = w.st.Creditor(ctx, id); err != nil {
		t.Fatal(err)
	}
	if w.debtor, err = w.st.UpsertDebtor(ctx, &ar.Debtor{CreditorID: id, CustomerNumber: "1", Name: "Alice", Postcode: "10115"}); err != nil {
		t.Fatal(err)
	}
	for i, gross := range []int64{10000, 20000, 30000} {
		inv := &ar.Invoice{CreditorID: id, DebtorID: w.debtor, Number: fmt.Sprintf("R-%d", i+1), IssueDate: day("2026-10-01"),
			DueDate: day("2026-10-15"), Currency: "EUR", NetMinor: gross, TotalMinor: gross,
			Lines: []ar.InvoiceLine{{Position: 1, Description: "x", QuantityMilli: 1000, UnitPriceMinor: gross, NetMinor: gross, TotalMinor: gross}}}
		if err := w.st.CreateInvoice(ctx, inv); err != nil {
			t.Fatal(err)
		}
	}
	w.svc = &plans.Service{Store: w.st, Now: func() time.Time { return w.now }}
	return w
}

func (w *world) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := w.st.DB().Get(&n, q, args...); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRequestInsideBandIsApproved(t *testing.T) {
	w := setup(t)
	ask := ar.PlanAsk{Kind: ar.PlanInstalments, Instalments: 6, Day: 3}
	pv, err := w.svc.Preview(w.ctx, w.c, w.debtor, []string{"R-1", "R-3"}, ask)
	if err != nil {
		t.Fatal(err)
	}
	if pv.Decision != ar.DecideApprove || pv.Schedule.PrincipalMinor != 40000 || len(pv.Schedule.Instalments) != 6 {
		t.Fatalf("preview: %s, principal %d, %d instalments", pv.Decision, pv.Schedule.PrincipalMinor, len(pv.Schedule.Instalments))
	}
	p, err := w.svc.Request(w.ctx, w.c, w.debtor, []string{"R-1", "R-3"}, ask, "", plans.By{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != ar.PlanActive {
		t.Errorf("plan inside the band is %s, want active", p.Status)
	}
	if n := w.count(t, `SELECT count(*) FROM plan_instalments WHERE plan_id = $1`, p.ID); n != 6 {
		t.Errorf("%d instalments stored", n)
	}
	if n := w.count(t, `SELECT count(*) FROM interactions WHERE kind = 'plan.approved' AND visibility = 'customer'`); n != 1 {
		t.Errorf("%d approvals on the timeline", n)
	}
	// The held invoices are not offered again; the third is.
	pv, err = w.svc.Preview(w.ctx, w.c, w.debtor, nil, ar.PlanAsk{Kind: ar.PlanDeferral, DeferTo: day("2026-12-10")})
	if err != nil || len(pv.Invoices) != 1 || pv.Invoices[0].Number != "R-2" {
		t.Fatalf("after the plan, open for another: %v %v", pv, err)
	}
	if _, err := w.svc.Request(w.ctx, w.c, w.debtor, []string{"R-1"}, ask, "", plans.By{}); err == nil {
		t.Error("an invoice in an active plan went into a second plan")
	}
}

func TestRequestOutsideBandGoesToQueue(t *testing.T) {
	w := setup(t)
	ask := ar.PlanAsk{Kind: ar.PlanInstalments, Instalments: 10, Day: 15}
	p, err := w.svc.Request(w.ctx, w.c, w.debtor, nil, ask, "Kurzarbeit bis März", plans.By{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != ar.PlanRequested || p.ReviewKey != "plan.review.instalments" {
		t.Fatalf("10 instalments: %s (%s), want requested", p.Status, p.ReviewKey)
	}
	if n := w.count(t, `SELECT count(*) FROM staff_tasks WHERE kind = 'plan_request' AND subject_id = $1 AND note = 'Kurzarbeit bis März'`, p.ID); n != 1 {
		t.Errorf("%d plan-request tasks", n)
	}
	staffID := w.staff(t)
	// A counter-offer: 6 instalments for the same invoices.
	offer, err := w.svc.Offer(w.ctx, w.c, staffID, p.ID, ar.PlanAsk{Kind: ar.PlanInstalments, Instalments: 6, Day: 15}, "6 Raten sind möglich")
	if err != nil {
		t.Fatal(err)
	}
	if offer.Status != ar.PlanOffered || offer.PrincipalMinor != 60000 {
		t.Fatalf("offer: %s %d", offer.Status, offer.PrincipalMinor)
	}
	if n := w.count(t, `SELECT count(*) FROM staff_tasks WHERE kind = 'plan_request' AND done_at IS NULL`); n != 0 {
		t.Errorf("the request is still in the queue after the offer")
	}
	// Deciding the old request again is refused.
	if err := w.svc.Approve(w.ctx, w.c, staffID, p.ID); !isCode(err, ar.Conflict) {
		t.Errorf("approving a replaced request: %v", err)
	}
	if err := w.svc.Accept(w.ctx, w.c, w.debtor, offer.ID); err != nil {
		t.Fatal(err)
	}
	got, _ := w.st.Plan(w.ctx, w.c.ID, w.debtor, offer.ID, false)
	if got.Status != ar.PlanActive {
		t.Errorf("accepted offer is %s", got.Status)
	}
}

func TestRejectFreesInvoices(t *testing.T) {
	w := setup(t)
	p, err := w.svc.Request(w.ctx, w.c, w.debtor, nil, ar.PlanAsk{Kind: ar.PlanDeferral, DeferTo: day("2027-01-15")}, "", plans.By{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != ar.PlanRequested {
		t.Fatalf("53-day deferral is %s, want requested (band: 30 days)", p.Status)
	}
	staffID := w.staff(t)
	if err := w.svc.Reject(w.ctx, w.c, staffID, p.ID, ""); !isCode(err, ar.Invalid) {
		t.Errorf("reject without a reason: %v", err)
	}
	if err := w.svc.Reject(w.ctx, w.c, staffID, p.ID, "Bitte erst die Oktoberrechnung zahlen"); err != nil {
		t.Fatal(err)
	}
	got, _ := w.st.Plan(w.ctx, w.c.ID, 0, p.ID, false)
	if got.Status != ar.PlanRejected || got.DecisionNote != "Bitte erst die Oktoberrechnung zahlen" {
		t.Errorf("rejected plan: %s %q", got.Status, got.DecisionNote)
	}
	if _, err := w.svc.Request(w.ctx, w.c, w.debtor, nil, ar.PlanAsk{Kind: ar.PlanDeferral, DeferTo: day("2026-12-10")}, "", plans.By{}); err != nil {
		t.Errorf("after a rejection the invoices cannot be planned: %v", err)
	}
}

// Fifty simultaneous requests for the same invoices make exactly one
// plan; the others are told the invoices are taken.
func TestConcurrentRequestsMakeOnePlan(t *testing.T) {
	w := setup(t)
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := w.svc.Request(w.ctx, w.c, w.debtor, []string{"R-1", "R-2"},
				ar.PlanAsk{Kind: ar.PlanInstalments, Instalments: 3, Day: 1}, "", plans.By{})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	ok := 0
	for err := range errs {
		if err == nil {
			ok++
		} else if !isCode(err, ar.Conflict) {
			t.Errorf("a losing request failed with %v, want a conflict", err)
		}
	}
	if n := w.count(t, `SELECT count(*) FROM payment_plans`); ok != 1 || n != 1 {
		t.Errorf("%d requests succeeded and %d plans exist, want 1 and 1", ok, n)
	}
}

// Payments pay the earliest open instalment first; more than it reduces
// the next ones; the whole amount completes the plan.
func TestPaymentsPayInstalmentsInOrder(t *testing.T) {
	w := setup(t)
	p, err := w.svc.Request(w.ctx, w.c, w.debtor, []string{"R-2"}, ar.PlanAsk{Kind: ar.PlanInstalments, Instalments: 4, Day: 1}, "", plans.By{})
	if err != nil {
		t.Fatal(err)
	}
	invs, _ := w.st.PlanInvoices(w.ctx, p.ID)
	pay := func(amount int64) {
		t.Helper()
		if err := w.st.InTx(w.ctx, func(tx *store.Store) error {
			return w.svc.ApplyPayment(w.ctx, tx, w.c.ID, w.debtor, map[int64]int64{invs[0].InvoiceID: amount, 999999: 100})
		}); err != nil {
			t.Fatal(err)
		}
	}
	pay(7000) // 50 + 20 of the 4 × 50 €
	ins, _ := w.st.PlanInstalments(w.ctx, p.ID)
	if ins[0].PaidMinor != 5000 || ins[1].PaidMinor != 2000 || ins[2].PaidMinor != 0 {
		t.Fatalf("after 70 €: %+v", ins)
	}
	pay(13000)
	got, _ := w.st.Plan(w.ctx, w.c.ID, 0, p.ID, false)
	if got.Status != ar.PlanCompleted {
		t.Errorf("fully paid plan is %s", got.Status)
	}
	if n := w.count(t, `SELECT count(*) FROM plan_invoices WHERE plan_id = $1 AND held`, p.ID); n != 0 {
		t.Errorf("a completed plan still holds %d invoices", n)
	}
	// A payment for an invoice in no plan changes nothing.
	pay(100)
}

func (w *world) staff(t *testing.T) int64 {
	t.Helper()
	id, err := w.st.CreateStaffUser(w.ctx, "ar@alpha.example", "ar", &w.c.ID, "x", false)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func isCode(err error, code ar.Code) bool {
	var e *ar.Error
	if errors.As(err, &e) {
		return e.Code == code
	}
	var list ar.Invalids
	return errors.As(err, &list) && code == ar.Invalid
}

// Every message the plans service sends has its texts in every language.
func TestPlanMessagesTranslated(t *testing.T) {
	cat := i18n.MustLoad()
	for _, name := range []string{"plan.approved", "plan.rejected", "plan.offered", "plan.reminder", "plan.broken"} {
		for _, key := range portal.NotifyKeys(name) {
			for _, l := range i18n.Languages {
				if !cat.Locale(l).Has(key) {
					t.Errorf("%s: no %q", l, key)
				}
			}
		}
	}
}

// A plan's fee and interest go on the ledger when it starts, so paying
// what is open on its invoices pays the whole plan.
func TestFeeAndInterestArePayable(t *testing.T) {
	w := setup(t)
	pol := ar.DefaultPlanPolicy(w.c.ID)
	pol.FeeMinor, pol.InterestBP, pol.Segments = 500, 600, []string{}
	if err := w.st.SavePlanPolicy(w.ctx, pol); err != nil {
		t.Fatal(err)
	}
	p, err := w.svc.Request(w.ctx, w.c, w.debtor, []string{"R-2"}, ar.PlanAsk{Kind: ar.PlanInstalments, Instalments: 4, Day: 1}, "", plans.By{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != ar.PlanActive || p.FeeMinor != 500 || p.InterestMinor <= 0 {
		t.Fatalf("plan: %s fee %d interest %d", p.Status, p.FeeMinor, p.InterestMinor)
	}
	inv, err := w.st.InvoiceByNumber(w.ctx, w.c.ID, "R-2")
	if err != nil {
		t.Fatal(err)
	}
	if inv.OpenMinor != 20000+p.FeeMinor+p.InterestMinor || inv.OpenMinor != p.TotalMinor {
		t.Fatalf("invoice open %d after the plan started, plan total %d", inv.OpenMinor, p.TotalMinor)
	}
	if n := w.count(t, `SELECT count(*) FROM ledger_entries WHERE kind IN ('fee', 'interest') AND reference = $1`, p.PublicID); n != 2 {
		t.Errorf("%d fee/interest entries", n)
	}
	if err := w.st.InTx(w.ctx, func(tx *store.Store) error {
		return w.svc.ApplyPayment(w.ctx, tx, w.c.ID, w.debtor, map[int64]int64{inv.ID: inv.OpenMinor})
	}); err != nil {
		t.Fatal(err)
	}
	if got, _ := w.st.Plan(w.ctx, w.c.ID, 0, p.ID, false); got.Status != ar.PlanCompleted {
		t.Errorf("paying what is open left the plan %s", got.Status)
	}
}
