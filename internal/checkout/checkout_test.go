package checkout

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/billing"
	"github.com/settle/settle/internal/payments"
	"github.com/settle/settle/internal/store"
	"github.com/settle/settle/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// What Mollie reports is applied in a legal order only: a paid payment
// is never downgraded by a late or forged "failed", and a report whose
// amount differs from ours changes nothing.
func TestStateTransitions(t *testing.T) {
	ctx := context.Background()
	st := store.New(testdb.New(t))
	cid, err := st.CreateCreditor(ctx, store.NewCreditor{Creditor: ar.Creditor{Slug: "co", Name: "Co",
		PrimaryColor: "#123456", AccentColor: "#654321", DefaultLanguage: "de", Timezone: "Europe/Berlin",
		Currency: "EUR", StepUp: ar.StepUpNone, StepUpKnowledge: ar.KnowPostcode}})
	if err != nil {
		t.Fatal(err)
	}
	did, _ := st.UpsertDebtor(ctx, &ar.Debtor{CreditorID: cid, CustomerNumber: "1", Name: "Ada"})
	c, _ := st.Creditor(ctx, cid)
	inv := &ar.Invoice{CreditorID: cid, DebtorID: did, Number: "I-1", IssueDate: time.Now(), DueDate: time.Now(),
		Currency: "EUR", NetMinor: 5000, TotalMinor: 5000}
	if err := st.CreateInvoice(ctx, inv); err != nil {
		t.Fatal(err)
	}
	s := &Service{Store: st, Billing: &billing.Service{Store: st}, Log: slog.New(slog.DiscardHandler)}
	provider, pid := "mollie", "tr_test1"
	p := &store.Payment{PublicID: "pay_t1", CreditorID: cid, DebtorID: did, Method: "online", Status: "open",
		AmountMinor: 2000, Currency: "EUR", ValueDate: time.Now(), Provider: &provider}
	if err := st.CreatePayment(ctx, p); err != nil {
		t.Fatal(err)
	}
	st.SetProviderPayment(ctx, p.ID, pid, "https://www.mollie.com/checkout/x", nil, nil)
	state := func() string {
		got, _ := st.Payment(ctx, cid, did, "pay_t1")
		return got.Status
	}
	events := func(typ string) int {
		var n int
		st.DB().Get(&n, `SELECT count(*) FROM events WHERE type = $1`, typ)
		return n
	}
	report := func(status string, amount int64) {
		t.Helper()
		if err := s.apply(ctx, c, p.ID, &payments.Payment{ID: pid, Status: status, AmountMinor: amount, Currency: "EUR"}); err != nil {
			t.Fatal(err)
		}
	}
	report("paid", 9999) // amount differs from ours: not applied
	if state() != "open" || events("payment.paid") != 0 {
		t.Fatalf("a report with another amount was applied: %s", state())
	}
	report("paid", 2000)
	report("failed", 2000) // late or forged: paid stays paid
	report("expired", 2000)
	if state() != "paid" || events("payment.paid") != 1 || events("payment.failed") != 0 {
		t.Errorf("after paid then failed: %s, %d paid, %d failed events", state(), events("payment.paid"), events("payment.failed"))
	}
	got, _ := st.Invoice(ctx, cid, did, "I-1")
	if got.OpenMinor != 3000 {
		t.Errorf("open %d, want 3000", got.OpenMinor)
	}
}

// A chargeback puts the money back on the invoice and files a task for
// staff in the same transaction; a refund (our own doing) files none, and
// a repeated report of the same chargeback files nothing new.
func TestChargebackFilesTask(t *testing.T) {
	ctx := context.Background()
	st := store.New(testdb.New(t))
	cid, err := st.CreateCreditor(ctx, store.NewCreditor{Creditor: ar.Creditor{Slug: "co", Name: "Co",
		PrimaryColor: "#123456", AccentColor: "#654321", DefaultLanguage: "de", Timezone: "Europe/Berlin",
		Currency: "EUR", StepUp: ar.StepUpNone, StepUpKnowledge: ar.KnowPostcode}})
	if err != nil {
		t.Fatal(err)
	}
	did, _ := st.UpsertDebtor(ctx, &ar.Debtor{CreditorID: cid, CustomerNumber: "1", Name: "Ada"})
	c, _ := st.Creditor(ctx, cid)
	inv := &ar.Invoice{CreditorID: cid, DebtorID: did, Number: "I-1", IssueDate: time.Now(), DueDate: time.Now(),
		Currency: "EUR", NetMinor: 5000, TotalMinor: 5000}
	if err := st.CreateInvoice(ctx, inv); err != nil {
		t.Fatal(err)
	}
	s := &Service{Store: st, Billing: &billing.Service{Store: st}, Log: slog.New(slog.DiscardHandler)}
	provider, pid := "mollie", "tr_cb1"
	p := &store.Payment{PublicID: "pay_cb1", CreditorID: cid, DebtorID: did, Method: "creditcard", Status: "open",
		AmountMinor: 5000, Currency: "EUR", ValueDate: time.Now(), Provider: &provider}
	if err := st.CreatePayment(ctx, p); err != nil {
		t.Fatal(err)
	}
	st.SetProviderPayment(ctx, p.ID, pid, "https://www.mollie.com/checkout/x", nil, nil)
	report := func(refunded, chargedBack int64) {
		t.Helper()
		if err := s.apply(ctx, c, p.ID, &payments.Payment{ID: pid, Status: "paid", AmountMinor: 5000, Currency: "EUR",
			RefundedMinor: refunded, ChargedBackMinor: chargedBack}); err != nil {
			t.Fatal(err)
		}
	}
	type task struct {
		Kind      string `db:"kind"`
		PaymentID int64  `db:"payment_id"`
		Amount    int64  `db:"amount_minor"`
		Debtor    int64  `db:"debtor_id"`
	}
	tasks := func() []task {
		var list []task
		if err := st.DB().Select(&list, `SELECT kind, payment_id, amount_minor, debtor_id FROM staff_tasks
			WHERE creditor_id = $1 ORDER BY id`, cid); err != nil {
			t.Fatal(err)
		}
		return list
	}
	report(0, 0)
	report(1000, 0) // a refund: no task
	if got := tasks(); len(got) != 0 {
		t.Fatalf("tasks after payment and refund: %+v", got)
	}
	report(1000, 1500)
	report(1000, 1500) // the same state again
	got := tasks()
	if len(got) != 1 || got[0] != (task{"chargeback", p.ID, 1500, did}) {
		t.Fatalf("tasks after a chargeback: %+v", got)
	}
	if i, _ := st.Invoice(ctx, cid, did, "I-1"); i.OpenMinor != 2500 {
		t.Errorf("open %d, want 2500 (5000 - 5000 paid + 1000 refunded + 1500 charged back)", i.OpenMinor)
	}
	report(1000, 4000) // more taken back later: a second task for the difference
	if got := tasks(); len(got) != 2 || got[1].Amount != 2500 {
		t.Errorf("tasks after a second chargeback: %+v", got)
	}
}
