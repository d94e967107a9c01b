package plans_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/i18n"
	"github.com/settle/settle/internal/plans"
	"github.com/settle/settle/internal/portal"
	"github.com/settle/settle/internal/store"
)

var berlin, _ = time.LoadLocation("Europe/Berlin")

func wall(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, berlin)
	if err != nil {
		panic(err)
	}
	return t
}

// lifecycleWorld is setup with messages (the debtor has an email
// address) and an active plan over: 150 € on 10 December
// 2026 and 150 € on 10 January 2027.
func lifecycleWorld(t *testing.T) (*world, *store.Plan) {
	t.Helper()
	w := setup(t)
	w.svc.Portal = &portal.Service{Store: w.st, Text: i18n.MustLoad(), BaseURL: "http://settle.test", Now: func() time.Time { return w.now }}
	if _, err := w.st.UpsertDebtor(w.ctx, &ar.Debtor{CreditorID: w.c.ID, CustomerNumber: "1", Name: "Alice",
		Postcode: "10115", Email: "alice@example.org", Language: "en"}); err != nil {
		t.Fatal(err)
	}
	invs, err := w.st.Invoices(w.ctx, w.c.ID, w.debtor)
	if err != nil {
		t.Fatal(err)
	}
	held := map[int64]int64{}
	for _, inv := range invs {
		if inv.Number == "R-1" || inv.Number == "R-2" {
			held[inv.ID] = inv.OpenMinor
		}
	}
	p := &store.Plan{PublicID: ar.NewPublicID("plan"), CreditorID: w.c.ID, DebtorID: w.debtor, Kind: ar.PlanInstalments,
		Status: ar.PlanActive, PrincipalMinor: 30000, TotalMinor: 30000, Currency: "EUR"}
	if err := w.st.CreatePlan(w.ctx, p, held, []ar.Instalment{
		{Seq: 1, DueDate: day("2026-12-10"), AmountMinor: 15000},
		{Seq: 2, DueDate: day("2027-01-10"), AmountMinor: 15000}}); err != nil {
		t.Fatal(err)
	}
	return w, p
}

func (w *world) lifecycle(t *testing.T, wantReminded, wantBroken int) {
	t.Helper()
	r, b, err := w.svc.Lifecycle(w.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r != wantReminded || b != wantBroken {
		t.Fatalf("%s: reminded %d, broken %d; want %d, %d", w.now.In(berlin).Format("2006-01-02 15:04"), r, b, wantReminded, wantBroken)
	}
}

// One friendly reminder the day after the due date, whatever the number
// of runs; broken only after the grace period, with the event, the
// timeline entry saying which instalment was missed, and the invoices
// back to normal.
func TestLifecycleRemindsOnceThenBreaks(t *testing.T) {
	w, p := lifecycleWorld(t)
	w.now = wall("2026-12-10 23:30") // due today: nothing yet
	w.lifecycle(t, 0, 0)
	w.now = wall("2026-12-11 00:10")
	var wg sync.WaitGroup
	for range 5 { // five workers at once
		wg.Add(1)
		go func() { defer wg.Done(); w.svc.Lifecycle(w.ctx) }()
	}
	wg.Wait()
	if n := w.count(t, `SELECT count(*) FROM messages WHERE purpose = 'plan'`); n != 1 {
		t.Fatalf("%d reminder messages after five runs", n)
	}
	var subject, body string
	w.st.DB().QueryRow(`SELECT subject, body FROM messages WHERE purpose = 'plan'`).Scan(&subject, &body)
	en := i18n.MustLoad().Locale("en")
	if subject != en.T("message.plan.reminder.subject") || !strings.Contains(body, "instalment 1") ||
		!strings.Contains(body, "€150.00") || !strings.Contains(body, "10 December 2026") {
		t.Errorf("reminder %q: %q", subject, body)
	}
	if n := w.count(t, `SELECT count(*) FROM interactions WHERE kind = $1 AND data->>'number' = '1'`, plans.KindReminded); n != 1 {
		t.Errorf("%d reminder entries", n)
	}
	if n := w.count(t, `SELECT count(*) FROM plan_instalments WHERE plan_id = $1 AND reminded_at IS NOT NULL`, p.ID); n != 1 {
		t.Errorf("%d instalments reminded", n)
	}
	// Within the grace period (7 days by default): nothing more.
	for _, at := range []string{"2026-12-12 09:00", "2026-12-17 23:59"} {
		w.now = wall(at)
		w.lifecycle(t, 0, 0)
	}
	w.now = wall("2026-12-18 00:30")
	w.lifecycle(t, 0, 1)
	w.lifecycle(t, 0, 0)
	got, err := w.st.Plan(w.ctx, w.c.ID, w.debtor, p.ID, false)
	if err != nil || got.Status != ar.PlanBroken || got.EndedAt == nil || got.EndReason != "instalment 1 missed" {
		t.Fatalf("plan %+v %v", got, err)
	}
	if n := w.count(t, `SELECT count(*) FROM plan_invoices WHERE plan_id = $1 AND held`, p.ID); n != 0 {
		t.Errorf("%d invoices still held by the broken plan", n)
	}
	var data struct {
		Plan, Customer string
		Remaining      int64
		Missed         int
	}
	if err := w.st.DB().QueryRow(`SELECT data->>'plan_id', data->>'customer_number', (data->>'remaining_minor')::bigint,
		(data->>'missed_instalment')::int FROM events WHERE type = 'plan.broken'`).Scan(&data.Plan, &data.Customer, &data.Remaining, &data.Missed); err != nil {
		t.Fatal(err)
	}
	if data.Plan != p.PublicID || data.Customer != "1" || data.Remaining != 30000 || data.Missed != 1 {
		t.Errorf("plan.broken event %+v", data)
	}
	if n := w.count(t, `SELECT count(*) FROM interactions WHERE kind = 'plan.broken' AND data->>'number' = '1'
		AND data->>'date' = '2026-12-10' AND visibility = 'customer'`); n != 1 {
		t.Errorf("%d plan.broken entries naming the missed instalment", n)
	}
	if n := w.count(t, `SELECT count(*) FROM messages WHERE purpose = 'plan' AND subject = $1`, en.T("message.plan.broken.subject")); n != 1 {
		t.Errorf("%d messages about the broken plan", n)
	}
	// Broken since: a new plan needs staff (policy: no broken plan in 12 months).
	if broke, _ := w.st.BrokePlanSince(w.ctx, w.c.ID, w.debtor, w.now.AddDate(0, -12, 0)); !broke {
		t.Error("BrokePlanSince does not see it")
	}
	// Later runs change nothing.
	w.now = wall("2027-02-01 09:00")
	w.lifecycle(t, 0, 0)
}

// A paid instalment is neither reminded nor breaks anything; a fully
// paid (completed) plan is left alone.
func TestLifecyclePaidPlan(t *testing.T) {
	w, p := lifecycleWorld(t)
	if err := w.st.PayInstalment(w.ctx, p.ID, 1, 15000); err != nil {
		t.Fatal(err)
	}
	w.now = wall("2026-12-20 09:00")
	w.lifecycle(t, 0, 0)
	if err := w.st.PayInstalment(w.ctx, p.ID, 2, 15000); err != nil {
		t.Fatal(err)
	}
	if err := w.st.SetPlanStatus(w.ctx, p, ar.PlanCompleted, nil, "paid", w.now); err != nil {
		t.Fatal(err)
	}
	w.now = wall("2027-03-01 09:00")
	w.lifecycle(t, 0, 0)
	if n := w.count(t, `SELECT count(*) FROM messages`); n != 0 {
		t.Errorf("%d messages for a paid plan", n)
	}
}

// Paid during the grace period: not broken; a partly paid instalment
// still counts as missed.
func TestLifecyclePaidInGrace(t *testing.T) {
	w, p := lifecycleWorld(t)
	w.now = wall("2026-12-11 09:00")
	w.lifecycle(t, 1, 0)
	if err := w.st.PayInstalment(w.ctx, p.ID, 1, 15000); err != nil {
		t.Fatal(err)
	}
	w.now = wall("2026-12-20 09:00")
	w.lifecycle(t, 0, 0)
	// Instalment 2 partly paid only.
	if err := w.st.PayInstalment(w.ctx, p.ID, 2, 5000); err != nil {
		t.Fatal(err)
	}
	w.now = wall("2027-01-11 09:00")
	w.lifecycle(t, 1, 0)
	w.now = wall("2027-01-18 09:00")
	w.lifecycle(t, 0, 1)
	var remaining int64
	w.st.DB().Get(&remaining, `SELECT (data->>'remaining_minor')::bigint FROM events WHERE type = 'plan.broken'`)
	if remaining != 10000 {
		t.Errorf("remaining %d, want 10000", remaining)
	}
}

// While a direct debit of the instalment is under way (SEPA takes days),
// there is no reminder and no break.
func TestLifecycleWaitsForDebit(t *testing.T) {
	w, p := lifecycleWorld(t)
	seq := 1
	provider, pid := "mollie", "tr_pending1"
	pay := &store.Payment{PublicID: "pay_pending1", CreditorID: w.c.ID, DebtorID: w.debtor, Method: "directdebit",
		Status: "pending", AmountMinor: 15000, Currency: "EUR", ValueDate: day("2026-12-10"), Provider: &provider,
		PlanID: &p.ID, InstalmentSeq: &seq, SequenceType: "recurring"}
	if err := w.st.CreatePayment(w.ctx, pay); err != nil {
		t.Fatal(err)
	}
	w.st.SetProviderPayment(w.ctx, pay.ID, pid, "", nil, nil)
	w.now = wall("2026-12-30 09:00")
	w.lifecycle(t, 0, 0)
}
