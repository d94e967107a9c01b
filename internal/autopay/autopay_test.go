package autopay_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/autopay"
	"github.com/settle/settle/internal/payments"
	"github.com/settle/settle/internal/store"
)

// The whole way: autopay set up with a first payment at the checkout
// (which makes the mandate), then the job charges instalment 2 only when
// the clock reaches its due date, and its payment pays the instalment.
func TestFirstPaymentThenRecurringOnDueDate(t *testing.T) {
	e := newEnv(t)
	p := e.plan()

	started, err := e.ap.SetUp(e.ctx, e.c, e.d, p.PublicID, "de")
	if err != nil {
		t.Fatal(err)
	}
	if started.Enabled || started.CheckoutURL == "" || !strings.HasPrefix(started.CheckoutURL, e.sim.BaseURL()+"checkout/") {
		t.Fatalf("set-up: %+v", started)
	}
	first, ok := e.sim.Payment(*started.Payment.ProviderID)
	if !ok || first.SequenceType != "first" || first.CustomerID == "" || first.Method != "ideal" || first.Amount.Value != "200.00" {
		t.Fatalf("first payment at Mollie: %+v", first)
	}
	var m store.Mandate
	if err := e.st.DB().Get(&m, `SELECT id, creditor_id, debtor_id, provider, customer_id, mandate_id, status, details,
		created_at, revoked_at FROM mandates`); err != nil {
		t.Fatal(err)
	}
	if m.Status != "pending" || m.CustomerID != first.CustomerID || m.MandateID != nil {
		t.Fatalf("mandate before paying: %+v", m)
	}
	// A double click goes to the same checkout: one first payment.
	again, err := e.ap.SetUp(e.ctx, e.c, e.d, p.PublicID, "de")
	if err != nil || again.CheckoutURL != started.CheckoutURL || len(e.sim.Payments()) != 1 {
		t.Fatalf("second click: %+v %v, %d Mollie payments", again, err, len(e.sim.Payments()))
	}

	// The debtor pays at the checkout; the webhook (here: Sync) applies it.
	if err := e.sim.SetStatus(*started.Payment.ProviderID, "paid"); err != nil {
		t.Fatal(err)
	}
	if err := e.ck.SyncProviderID(e.ctx, *started.Payment.ProviderID); err != nil {
		t.Fatal(err)
	}
	mandate, err := e.st.LiveMandate(e.ctx, e.c.ID, e.d.ID, false)
	if err != nil || mandate.Status != "valid" || mandate.MandateID == nil || !strings.HasPrefix(*mandate.MandateID, "mdt_") ||
		mandate.Details != "NL55 •••• 0000" {
		t.Fatalf("mandate after the first payment: %+v %v", mandate, err)
	}
	if p = e.reload(p); !p.Autopay || p.MandateID == nil || *p.MandateID != mandate.ID {
		t.Fatalf("plan after the first payment: autopay %t, mandate %v", p.Autopay, p.MandateID)
	}
	if got := e.paid(p, 1); got != 20000 {
		t.Errorf("instalment 1 paid %d, want 20000", got)
	}
	// Allocated to the plan's invoices.
	if n := e.count(`SELECT count(*) FROM ledger_entries l JOIN invoices i ON i.id = l.invoice_id
		WHERE l.payment_id = $1 AND i.number IN ('R-1', 'R-2')`, started.Payment.ID); n != 1 {
		t.Errorf("%d allocations of the first payment to the plan's invoices", n)
	}
	if e.interactions(autopay.KindEnabled) != 1 {
		t.Errorf("%d autopay.enabled entries", e.interactions(autopay.KindEnabled))
	}
	// Repeated webhooks change nothing.
	if err := e.ck.SyncProviderID(e.ctx, *started.Payment.ProviderID); err != nil || e.interactions(autopay.KindEnabled) != 1 {
		t.Errorf("second sync: %v, %d entries", err, e.interactions(autopay.KindEnabled))
	}

	// Instalment 1 is paid and 2 not due: nothing to charge until 1 April.
	e.chargeDue(0)
	e.clock.Set(at("2026-03-31 23:59"))
	e.chargeDue(0)
	e.clock.Set(at("2026-04-01 00:05"))
	e.chargeDue(1)
	e.chargeDue(0)
	e.runCharges()
	rec := e.recurring()
	if len(rec) != 1 || rec[0].Amount.Value != "200.00" || rec[0].MandateID != *mandate.MandateID || rec[0].Status != "pending" ||
		rec[0].IdempotencyKey != e.charge(p, 2).PublicID {
		t.Fatalf("recurring payments at Mollie: %+v", rec)
	}
	ch := e.charge(p, 2)
	if ch.ProviderID == nil || *ch.ProviderID != rec[0].ID || ch.Status != "pending" || ch.SequenceType != "recurring" {
		t.Fatalf("our charge row: %+v", ch)
	}
	if e.interactions(autopay.KindCharged) != 1 {
		t.Errorf("%d plan.instalment_charged entries", e.interactions(autopay.KindCharged))
	}
	e.runCharges() // the job again: nothing new
	if len(e.recurring()) != 1 {
		t.Fatalf("a second run of the job charged again: %d", len(e.recurring()))
	}

	// The bank pays: the instalment is paid, the plan runs on.
	if err := e.sim.SetStatus(rec[0].ID, "paid"); err != nil {
		t.Fatal(err)
	}
	if err := e.ck.SyncProviderID(e.ctx, rec[0].ID); err != nil {
		t.Fatal(err)
	}
	if got := e.paid(p, 2); got != 20000 {
		t.Errorf("instalment 2 paid %d", got)
	}
	if st := e.reload(p).Status; st != ar.PlanActive {
		t.Errorf("plan %s", st)
	}
	e.chargeDue(0)

	// Instalment 3 on 1 May; paid, the plan is complete.
	e.clock.Set(at("2026-05-01 08:00"))
	e.chargeDue(1)
	e.runCharges()
	third := e.charge(p, 3)
	e.sim.SetStatus(*third.ProviderID, "paid")
	if err := e.ck.SyncProviderID(e.ctx, *third.ProviderID); err != nil {
		t.Fatal(err)
	}
	if st := e.reload(p).Status; st != ar.PlanCompleted {
		t.Errorf("after the last instalment the plan is %s", st)
	}
	e.clock.Set(at("2026-06-01 08:00"))
	e.chargeDue(0)
	if len(e.recurring()) != 2 {
		t.Errorf("%d recurring payments in all, want 2", len(e.recurring()))
	}
}

// The job running on ten workers at once, and each charge job run ten
// times at once, make one Mollie payment per instalment.
func TestConcurrentRunsChargeOnce(t *testing.T) {
	e := newEnv(t)
	p := e.plan()
	e.autopay(p)
	e.clock.Set(at("2026-05-02 09:00")) // instalments 2 and 3 are due
	var wg sync.WaitGroup
	var mu sync.Mutex
	placed := 0
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := e.ap.ChargeDue(e.ctx)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			placed += n
			mu.Unlock()
		}()
	}
	wg.Wait()
	if placed != 2 || len(e.chargeJobs()) != 2 {
		t.Fatalf("ten runs at once placed %d charges with %d jobs, want 2", placed, len(e.chargeJobs()))
	}
	if n := e.count(`SELECT count(*) FROM payments WHERE plan_id = $1 AND sequence_type = 'recurring'`, p.ID); n != 2 {
		t.Fatalf("%d charge rows", n)
	}
	for _, id := range e.chargeJobs() {
		for range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Two runs at once may meet at Mollie (409, in progress):
				// the loser fails and its job retries; no charge is doubled.
				e.ap.Charge(e.ctx, id, false)
			}()
		}
	}
	wg.Wait()
	e.runCharges() // the retries
	rec := e.recurring()
	if len(rec) != 2 {
		t.Fatalf("%d Mollie payments for 2 instalments", len(rec))
	}
	for _, seq := range []int{2, 3} {
		ch := e.charge(p, seq)
		if ch.ProviderID == nil {
			t.Errorf("instalment %d: no Mollie id", seq)
		}
	}
	e.chargeDue(0)
}

// A crash between our row and Mollie's answer, then a rerun: still one
// Mollie payment (the Idempotency-Key; past Mollie's hour, the search by
// metadata).
func TestCrashBetweenRowAndMollie(t *testing.T) {
	for name, crash := range map[string]func(e *env, id int64){
		"Mollie down": func(e *env, id int64) {
			e.sim.FailNext(1, 503)
			if err := e.ap.Charge(e.ctx, id, false); err == nil {
				e.t.Error("no error while Mollie was down")
			}
		},
		"context cancelled after the insert": func(e *env, id int64) {
			ctx, cancel := context.WithCancel(e.ctx)
			cancel()
			if err := e.ap.Charge(ctx, id, false); err == nil {
				e.t.Error("no error with a cancelled context")
			}
		},
		"answer lost": func(e *env, id int64) {
			loseAnswers(e, id)
		},
		"answer lost, rerun after Mollie forgot the key": func(e *env, id int64) {
			loseAnswers(e, id)
			e.clock.Advance(2 * time.Hour) // Mollie keeps keys one hour
		},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			p := e.plan()
			e.autopay(p)
			e.clock.Set(at("2026-04-01 09:00"))
			e.chargeDue(1)
			id := e.charge(p, 2).ID
			crash(e, id)
			if ch := e.charge(p, 2); ch.ProviderID != nil {
				t.Fatal("the crash did not happen: the row has Mollie's id")
			}
			e.chargeDue(0) // the row stands: no second row
			e.runCharges() // the job again
			e.runCharges()
			if rec := e.recurring(); len(rec) != 1 {
				t.Fatalf("%d Mollie payments after the crash and the rerun", len(rec))
			}
			if ch := e.charge(p, 2); ch.ProviderID == nil || *ch.ProviderID != e.recurring()[0].ID {
				t.Fatalf("our row %+v", ch)
			}
		})
	}
}

// loseAnswers lets Mollie make the payment but cuts every answer to it
// (also the transport's own resend with the same key): the charge job
// dies not knowing.
func loseAnswers(e *env, id int64) {
	e.t.Helper()
	e.sim.SetFault(func(r *http.Request) (int, time.Duration, bool) {
		return 0, 0, r.Method == http.MethodPost && r.URL.Path == "/v2/payments"
	})
	if err := e.ap.Charge(e.ctx, id, false); err == nil {
		e.t.Fatal("no error without an answer")
	}
	e.sim.SetFault(nil)
	if n := len(e.recurring()); n != 1 {
		e.t.Fatalf("Mollie made %d payments", n)
	}
}

// A revoked mandate is never charged again: not by the scan, not by a
// charge placed before, and a charge Mollie has not sent to the bank yet
// is cancelled.
func TestRevokedMandateIsNotCharged(t *testing.T) {
	e := newEnv(t)
	p := e.plan()
	e.autopay(p)
	e.clock.Set(at("2026-04-01 09:00"))
	e.chargeDue(1) // instalment 2: row and job, not yet at Mollie
	if err := e.ap.Revoke(e.ctx, e.c, e.d); err != nil {
		t.Fatal(err)
	}
	m, _ := e.ap.Mandate(e.ctx, e.c.ID, e.d.ID)
	if m.Status != "revoked" || m.RevokedAt == nil || e.reload(p).Autopay {
		t.Fatalf("after revoking: %s, plan autopay %t", m.Status, e.reload(p).Autopay)
	}
	if md, err := e.ck.Mollie.GetMandate(e.ctx, "test_autopay", m.CustomerID, *m.MandateID); err != nil || md.Status != "invalid" {
		t.Errorf("at Mollie the mandate is %+v %v", md, err)
	}
	if e.interactions(autopay.KindRevoked) != 1 {
		t.Error("no timeline entry")
	}
	e.runCharges()
	if len(e.recurring()) != 0 {
		t.Fatalf("a revoked mandate was charged: %+v", e.recurring())
	}
	if ch := e.charge(p, 2); ch.Status != "canceled" || ch.ProviderID != nil {
		t.Errorf("the charge placed before: %+v", ch)
	}
	e.clock.Set(at("2026-05-02 09:00"))
	e.chargeDue(0)
	if _, err := e.ap.SetUp(e.ctx, e.c, e.d, p.PublicID, "de"); err != nil { // may be set up again, with a new first payment
		t.Errorf("set up again: %v", err)
	}
	if err := e.ap.Revoke(e.ctx, e.c, e.d); err != nil {
		t.Errorf("revoking the new, pending mandate: %v", err)
	}
	if err := e.ap.Revoke(e.ctx, e.c, e.d); err == nil {
		t.Error("revoked twice")
	}
}

// Revoking while a charge is with Mollie but not yet with the bank
// cancels it.
func TestRevokeCancelsPendingCharge(t *testing.T) {
	e := newEnv(t)
	p := e.plan()
	e.autopay(p)
	e.clock.Set(at("2026-04-01 09:00"))
	e.chargeDue(1)
	e.runCharges()
	if ch := e.charge(p, 2); ch.Status != "pending" {
		t.Fatalf("charge %s", ch.Status)
	}
	if err := e.ap.Revoke(e.ctx, e.c, e.d); err != nil {
		t.Fatal(err)
	}
	if rec := e.recurring(); len(rec) != 1 || rec[0].Status != "canceled" {
		t.Fatalf("at Mollie: %+v", rec)
	}
	if ch := e.charge(p, 2); ch.Status != "canceled" {
		t.Errorf("our row %s", ch.Status)
	}
	if got := e.paid(p, 2); got != 0 {
		t.Errorf("instalment 2 paid %d", got)
	}
}

// A cancelled plan is not charged, also not by a charge placed before.
func TestCancelledPlanIsNotCharged(t *testing.T) {
	e := newEnv(t)
	p := e.plan()
	e.autopay(p)
	e.clock.Set(at("2026-04-01 09:00"))
	e.chargeDue(1)
	if err := e.pl.Cancel(e.ctx, e.c, e.d.ID, nil, p.ID); err != nil {
		t.Fatal(err)
	}
	e.runCharges()
	e.clock.Set(at("2026-05-02 09:00"))
	e.chargeDue(0)
	if len(e.recurring()) != 0 {
		t.Fatalf("a cancelled plan was charged: %+v", e.recurring())
	}
	if ch := e.charge(p, 2); ch.Status != "canceled" {
		t.Errorf("the charge placed before: %s", ch.Status)
	}
}

// A debit that fails leaves the instalment open with a timeline entry;
// autopay does not debit it again by itself (the reminder takes over).
func TestFailedDebit(t *testing.T) {
	e := newEnv(t)
	p := e.plan()
	e.autopay(p)
	e.clock.Set(at("2026-04-01 09:00"))
	e.chargeDue(1)
	e.runCharges()
	ch := e.charge(p, 2)
	if err := e.sim.SetStatus(*ch.ProviderID, "failed"); err != nil {
		t.Fatal(err)
	}
	if err := e.ck.SyncProviderID(e.ctx, *ch.ProviderID); err != nil {
		t.Fatal(err)
	}
	if got := e.paid(p, 2); got != 0 {
		t.Errorf("instalment 2 paid %d after a failed debit", got)
	}
	if e.interactions(autopay.KindFailed) != 1 || e.interactions("payment.failed") != 0 {
		t.Errorf("timeline: %d %s, %d payment.failed", e.interactions(autopay.KindFailed), autopay.KindFailed, e.interactions("payment.failed"))
	}
	if n := e.count(`SELECT count(*) FROM events WHERE type = 'payment.failed'`); n != 1 {
		t.Errorf("%d payment.failed events", n)
	}
	e.clock.Advance(time.Hour)
	e.chargeDue(0)
	if st := e.reload(p); st.Status != ar.PlanActive || !st.Autopay {
		t.Errorf("plan after a failed debit: %s autopay %t", st.Status, st.Autopay)
	}
	// The next instalment is debited on its day as usual.
	e.clock.Set(at("2026-05-01 09:00"))
	e.chargeDue(1)
}

// When Mollie refuses a charge because the mandate is no longer valid
// (revoked at the bank), the charge fails, the mandate becomes invalid and
// autopay is off.
func TestMandateInvalidAtMollie(t *testing.T) {
	e := newEnv(t)
	p := e.plan()
	e.autopay(p)
	m, _ := e.st.LiveMandate(e.ctx, e.c.ID, e.d.ID, false)
	if err := e.ck.Mollie.RevokeMandate(e.ctx, "test_autopay", m.CustomerID, *m.MandateID); err != nil {
		t.Fatal(err)
	}
	e.clock.Set(at("2026-04-01 09:00"))
	e.chargeDue(1)
	e.runCharges()
	if len(e.recurring()) != 0 {
		t.Fatal("charged on an invalid mandate")
	}
	if ch := e.charge(p, 2); ch.Status != "failed" {
		t.Errorf("charge %s", ch.Status)
	}
	got, _ := e.ap.Mandate(e.ctx, e.c.ID, e.d.ID)
	if got.Status != "invalid" || e.reload(p).Autopay || e.interactions(autopay.KindInvalid) != 1 || e.interactions(autopay.KindFailed) != 1 {
		t.Errorf("mandate %s, autopay %t, entries %d/%d", got.Status, e.reload(p).Autopay,
			e.interactions(autopay.KindInvalid), e.interactions(autopay.KindFailed))
	}
}

// A chargeback of a recurring payment is booked back on the invoices
// (the existing reversal path) and reopens the instalment.
func TestChargebackReopensInstalment(t *testing.T) {
	e := newEnv(t)
	p := e.plan()
	e.autopay(p)
	e.clock.Set(at("2026-04-01 09:00"))
	e.chargeDue(1)
	e.runCharges()
	ch := e.charge(p, 2)
	e.sim.SetStatus(*ch.ProviderID, "paid")
	if err := e.ck.SyncProviderID(e.ctx, *ch.ProviderID); err != nil {
		t.Fatal(err)
	}
	open := func() int64 {
		var n int64
		e.st.DB().Get(&n, `SELECT COALESCE(sum(amount_minor), 0) FROM ledger_entries WHERE debtor_id = $1`, e.d.ID)
		return n
	}
	before := open()
	if _, err := e.sim.Chargeback(*ch.ProviderID, "200.00"); err != nil {
		t.Fatal(err)
	}
	if err := e.ck.SyncProviderID(e.ctx, *ch.ProviderID); err != nil {
		t.Fatal(err)
	}
	if got := e.paid(p, 2); got != 0 {
		t.Errorf("instalment 2 paid %d after the chargeback, want 0 (open again)", got)
	}
	if got := open(); got != before+20000 {
		t.Errorf("open %d, want %d", got, before+20000)
	}
	if e.interactions(autopay.KindReopened) != 1 || e.interactions("payment.reversed") != 1 {
		t.Errorf("timeline: %d reopened, %d reversed", e.interactions(autopay.KindReopened), e.interactions("payment.reversed"))
	}
	if n := e.count(`SELECT count(*) FROM staff_tasks WHERE kind = 'chargeback'`); n != 1 {
		t.Errorf("%d chargeback tasks", n)
	}
	// The same report again changes nothing.
	e.ck.SyncProviderID(e.ctx, *ch.ProviderID)
	if e.interactions(autopay.KindReopened) != 1 {
		t.Error("the instalment was reopened twice")
	}
	// It is not debited again by itself.
	e.clock.Advance(time.Hour)
	e.chargeDue(0)
}

// A debtor with a valid mandate (from another plan) gets autopay at once.
func TestSecondPlanReusesMandate(t *testing.T) {
	e := newEnv(t)
	p := e.plan()
	e.autopay(p)
	// A second plan over a new invoice.
	if err := e.st.CreateInvoice(e.ctx, &ar.Invoice{CreditorID: e.c.ID, DebtorID: e.d.ID, Number: "R-3",
		IssueDate: day("2026-02-15"), DueDate: day("2026-03-01"), Currency: "EUR", NetMinor: 9000, TotalMinor: 9000}); err != nil {
		t.Fatal(err)
	}
	inv, _ := e.st.InvoiceByNumber(e.ctx, e.c.ID, "R-3")
	p2 := &store.Plan{PublicID: ar.NewPublicID("plan"), CreditorID: e.c.ID, DebtorID: e.d.ID, Kind: ar.PlanInstalments,
		Status: ar.PlanActive, PrincipalMinor: 9000, TotalMinor: 9000, Currency: "EUR"}
	if err := e.st.CreatePlan(e.ctx, p2, map[int64]int64{inv.ID: 9000}, []ar.Instalment{
		{Seq: 1, DueDate: day("2026-03-15"), AmountMinor: 4500}, {Seq: 2, DueDate: day("2026-04-15"), AmountMinor: 4500}}); err != nil {
		t.Fatal(err)
	}
	before := len(e.sim.Payments())
	started, err := e.ap.SetUp(e.ctx, e.c, e.d, p2.PublicID, "en")
	if err != nil || !started.Enabled || started.CheckoutURL != "" || len(e.sim.Payments()) != before {
		t.Fatalf("second plan: %+v %v", started, err)
	}
	if !e.reload(p2).Autopay {
		t.Fatal("autopay off")
	}
	e.clock.Set(at("2026-03-15 09:00"))
	e.chargeDue(1)
	e.runCharges()
	if rec := e.recurring(); len(rec) != 1 || rec[0].Amount.Value != "45.00" {
		t.Errorf("charges: %+v", rec)
	}
	view, _ := e.ap.Mandate(e.ctx, e.c.ID, e.d.ID)
	if len(view.Plans) != 2 {
		t.Errorf("the mandate lists %d plans", len(view.Plans))
	}
}

// What SetUp refuses.
func TestSetUpRefusals(t *testing.T) {
	e := newEnv(t)
	p := e.plan()
	if _, err := e.ap.SetUp(e.ctx, e.c, e.d, "plan_nosuchplan", "de"); !ar.IsNotFound(err) {
		t.Errorf("unknown plan: %v", err)
	}
	other := &ar.Debtor{CreditorID: e.c.ID, CustomerNumber: "10002", Name: "Max"}
	other.ID, _ = e.st.UpsertDebtor(e.ctx, other)
	if _, err := e.ap.SetUp(e.ctx, e.c, other, p.PublicID, "de"); !ar.IsNotFound(err) {
		t.Errorf("another debtor's plan: %v", err)
	}
	e.sim.FailNext(1, 503)
	if _, err := e.ap.SetUp(e.ctx, e.c, e.d, p.PublicID, "de"); !isKey(err, "error.autopay.provider") {
		t.Errorf("Mollie down: %v", err)
	}
	if err := e.pl.Cancel(e.ctx, e.c, e.d.ID, nil, p.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ap.SetUp(e.ctx, e.c, e.d, p.PublicID, "de"); !isKey(err, "error.autopay.not_active") {
		t.Errorf("cancelled plan: %v", err)
	}
	if err := e.ap.Revoke(e.ctx, e.c, other); !isKey(err, "error.autopay.no_mandate") {
		t.Errorf("revoke without a mandate: %v", err)
	}
}

func isKey(err error, key string) bool {
	var e *ar.Error
	return errors.As(err, &e) && e.Key == key
}

// Mollie's 4xx are told apart from the network.
func TestStatusOf(t *testing.T) {
	if payments.StatusOf(errors.New("dial tcp: refused")) != 0 {
		t.Error("a network error has a status")
	}
}

// Revoked while the first payment was still at the checkout, then paid
// anyway: the payment counts, autopay stays off, and the mandate Mollie
// made from it is revoked as well.
func TestRevokedDuringCheckout(t *testing.T) {
	e := newEnv(t)
	p := e.plan()
	started, err := e.ap.SetUp(e.ctx, e.c, e.d, p.PublicID, "de")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.ap.Revoke(e.ctx, e.c, e.d); err != nil {
		t.Fatal(err)
	}
	e.sim.SetStatus(*started.Payment.ProviderID, "paid")
	if err := e.ck.SyncProviderID(e.ctx, *started.Payment.ProviderID); err != nil {
		t.Fatal(err)
	}
	if e.paid(p, 1) != 20000 || e.reload(p).Autopay {
		t.Fatalf("instalment 1 paid %d, autopay %t", e.paid(p, 1), e.reload(p).Autopay)
	}
	m, _ := e.ap.Mandate(e.ctx, e.c.ID, e.d.ID)
	if m.Status != "revoked" || m.MandateID == nil {
		t.Fatalf("mandate %+v", m.Mandate)
	}
	if err := e.ap.FinishRevoke(e.ctx, e.c.ID, m.ID); err != nil { // the revoke job
		t.Fatal(err)
	}
	if md, err := e.ck.Mollie.GetMandate(e.ctx, "test_autopay", m.CustomerID, *m.MandateID); err != nil || md.Status != "invalid" {
		t.Errorf("at Mollie: %+v %v", md, err)
	}
	if n := e.count(`SELECT count(*) FROM jobs WHERE kind = 'autopay.revoke'`); n != 2 {
		t.Errorf("%d revoke jobs, want 2 (the revocation, the late mandate)", n)
	}
	e.clock.Set(at("2026-04-01 09:00"))
	e.chargeDue(0)
}

// The charge job's last attempt gives a charge up only when Mollie says
// it has no such payment; one it made is kept.
func TestLastAttempt(t *testing.T) {
	e := newEnv(t)
	p := e.plan()
	e.autopay(p)
	e.clock.Set(at("2026-04-01 09:00"))
	e.chargeDue(1)
	id := e.charge(p, 2).ID
	e.sim.FailNext(1, 503)
	if err := e.ap.Charge(e.ctx, id, true); err != nil {
		t.Fatal(err)
	}
	if ch := e.charge(p, 2); ch.Status != "failed" || len(e.recurring()) != 0 || e.interactions(autopay.KindFailed) != 1 {
		t.Fatalf("given up: %s, %d at Mollie", ch.Status, len(e.recurring()))
	}

	// Instalment 3: Mollie makes it, every answer is lost, and on the
	// last attempt the list shows it.
	e.clock.Set(at("2026-05-01 09:00"))
	e.chargeDue(1)
	id = e.charge(p, 3).ID
	e.sim.SetFault(func(r *http.Request) (int, time.Duration, bool) {
		return 0, 0, r.Method == http.MethodPost && r.URL.Path == "/v2/payments"
	})
	if err := e.ap.Charge(e.ctx, id, true); err != nil {
		t.Fatal(err)
	}
	e.sim.SetFault(nil)
	if ch := e.charge(p, 3); ch.ProviderID == nil || len(e.recurring()) != 1 || *ch.ProviderID != e.recurring()[0].ID {
		t.Fatalf("the charge Mollie made was not kept: %+v", ch)
	}
}
