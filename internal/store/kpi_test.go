package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/store"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// The dashboard's figures on a small data set, computed by hand (see the
// comments): only creditor a's data in its currency, the period in its
// time zone.
func TestKPIs(t *testing.T) {
	ctx := context.Background()
	w := setup(t) // a: alice (INV-1, 2999, due 2026-10-15) and bob; b: carol
	st, db := w.st, w.st.DB()
	debtor := func(creditor int64, number string) int64 {
		id, err := st.UpsertDebtor(ctx, &ar.Debtor{CreditorID: creditor, CustomerNumber: number, Name: number})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	dora, emil := debtor(w.a, "3"), debtor(w.a, "4")
	invoice := func(creditor, debtorID int64, number, issue, due string, total int64, currency string) int64 {
		t.Helper()
		inv := &ar.Invoice{CreditorID: creditor, DebtorID: debtorID, Number: number, IssueDate: day(issue),
			DueDate: day(due), Currency: currency, NetMinor: total, TotalMinor: total}
		if err := st.CreateInvoice(ctx, inv); err != nil {
			t.Fatal(err)
		}
		return inv.ID
	}
	pay := func(creditor, debtorID, invoiceID, amount int64, date string) {
		t.Helper()
		if err := st.BookPayment(ctx, creditor, debtorID, invoiceID, amount, "EUR", day(date), "x"); err != nil {
			t.Fatal(err)
		}
	}
	// Invoices (setup's INV-1: 2999 open, due 2026-10-15: overdue, issued
	// and due before the period).
	i1 := invoice(w.a, w.alice, "I1", "2026-10-01", "2026-10-15", 10000, "EUR") // 4000 paid: 6000 open, overdue
	pay(w.a, w.alice, i1, 4000, "2026-10-20")
	i2 := invoice(w.a, w.alice, "I2", "2026-10-26", "2026-11-09", 20000, "EUR") // 15000 paid, 3000 charged back
	pay(w.a, w.alice, i2, 15000, "2026-11-02")
	if _, err := db.Exec(`INSERT INTO ledger_entries (creditor_id, debtor_id, invoice_id, kind, amount_minor, currency, value_date)
		VALUES ($1, $2, $3, 'chargeback', 3000, 'EUR', '2026-11-05')`, w.a, w.alice, i2); err != nil {
		t.Fatal(err)
	}
	invoice(w.a, w.bob, "I3", "2026-11-10", "2026-11-24", 30000, "EUR") // open, due after the period
	i4 := invoice(w.a, w.bob, "I4", "2026-11-01", "2026-11-20", 5000, "EUR")
	pay(w.a, w.bob, i4, 5000, "2026-11-18")
	invoice(w.a, w.alice, "I5", "2026-11-05", "2026-11-10", 1000, "USD") // another currency
	invoice(w.b, w.carol, "I6", "2026-11-01", "2026-11-02", 99999, "EUR")

	// Payments (the payments table: method mix and weeks).
	payment := func(creditor, debtorID int64, id, method, status string, amount int64, currency, value, created string, paidAt string) {
		t.Helper()
		p := &store.Payment{PublicID: id, CreditorID: creditor, DebtorID: debtorID, Method: method, Status: status,
			AmountMinor: amount, Currency: currency, ValueDate: day(value), CreatedAt: utc(created)}
		if err := st.CreatePayment(ctx, p); err != nil {
			t.Fatal(err)
		}
		if paidAt != "" {
			db.MustExec(`UPDATE payments SET paid_at = $2 WHERE id = $1`, p.ID, utc(paidAt))
		}
	}
	payment(w.a, w.alice, "P1", "bank_transfer", "paid", 15000, "EUR", "2026-11-02", "2026-11-02T10:00:00Z", "")
	payment(w.a, w.bob, "P2", "creditcard", "paid", 5000, "EUR", "2026-11-18", "2026-11-18T11:00:00Z", "2026-11-18T12:00:00Z")
	payment(w.a, w.alice, "P3", "creditcard", "reversed", 2500, "EUR", "2026-11-19", "2026-11-19T09:00:00Z", "2026-11-19T09:01:00Z")
	payment(w.a, w.bob, "P4", "creditcard", "failed", 7000, "EUR", "2026-11-20", "2026-11-20T09:00:00Z", "")
	payment(w.a, w.alice, "P5", "bank_transfer", "paid", 1000, "EUR", "2026-10-20", "2026-10-20T09:00:00Z", "") // before
	payment(w.a, w.alice, "P6", "bank_transfer", "paid", 3000, "USD", "2026-11-10", "2026-11-10T09:00:00Z", "") // USD
	payment(w.b, w.carol, "P7", "bank_transfer", "paid", 99999, "EUR", "2026-11-10", "2026-11-10T09:00:00Z", "")

	event := func(creditor, debtorID int64, kind, at string, data map[string]any) {
		t.Helper()
		if err := st.AddInteraction(ctx, &ar.Interaction{CreditorID: creditor, DebtorID: debtorID, Kind: kind,
			OccurredAt: utc(at), Data: data}); err != nil {
			t.Fatal(err)
		}
	}
	// Links opened. The period starts 2026-10-25 00:00 in Berlin, which
	// is 2026-10-24 22:00 UTC.
	event(w.a, w.alice, "link.opened", "2026-11-01T09:00:00Z", nil) // P1 a day later: paid
	event(w.a, w.alice, "link.opened", "2026-11-03T09:00:00Z", nil) // the same debtor again
	event(w.a, w.bob, "link.opened", "2026-11-05T09:00:00Z", nil)   // P2 13 days later: not within 7
	event(w.a, dora, "link.opened", "2026-10-24T21:30:00Z", nil)    // 23:30 the day before: outside
	event(w.a, emil, "link.opened", "2026-10-24T22:30:00Z", nil)    // 00:30 on the first day: inside, no payment
	event(w.b, w.carol, "link.opened", "2026-11-09T09:00:00Z", nil)

	// Service restores: alice's P1 (paid 10:00) made it restorable at
	// 10:05 (300 s), the creditor lifted the block at 12:05 (7200 s);
	// bob's P2 (paid 12:00) at 12:30 (1800 s), not lifted yet.
	event(w.a, w.alice, "payment.booked", "2026-11-02T10:05:00Z", map[string]any{"payment_id": "P1"})
	event(w.a, w.alice, "service.restorable", "2026-11-02T10:05:00Z", nil)
	event(w.a, w.alice, "service.status", "2026-11-02T12:05:00Z", map[string]any{"status": "active"})
	event(w.a, w.bob, "payment.booked", "2026-11-18T12:30:00Z", map[string]any{"payment_id": "P2"})
	event(w.a, w.bob, "service.restorable", "2026-11-18T12:30:00Z", nil)
	event(w.a, w.alice, "service.restorable", "2026-10-01T10:00:00Z", nil) // before the period
	event(w.b, w.carol, "service.restorable", "2026-11-10T10:00:00Z", nil)

	// Disputes and plan requests in the work queue.
	staffID, err := st.CreateStaffUser(ctx, "ar@alpha.example", "ar", &w.a, "x", false)
	if err != nil {
		t.Fatal(err)
	}
	task := func(creditor, debtorID int64, kind, created, done string) {
		t.Helper()
		tk := &store.Task{CreditorID: creditor, DebtorID: debtorID, Kind: kind, CreatedAt: utc(created)}
		if err := st.AddTask(ctx, tk); err != nil {
			t.Fatal(err)
		}
		if done != "" {
			if err := st.CompleteTask(ctx, creditor, tk.ID, staffID, utc(done)); err != nil {
				t.Fatal(err)
			}
		}
	}
	task(w.a, w.alice, "dispute", "2026-11-01T09:00:00Z", "2026-11-05T09:00:00Z") // opened and done
	task(w.a, w.bob, "dispute", "2026-11-20T09:00:00Z", "")                       // opened, open
	task(w.a, w.alice, "dispute", "2026-10-01T09:00:00Z", "2026-10-30T09:00:00Z") // done in the period
	task(w.a, w.alice, "plan_request", "2026-11-10T09:00:00Z", "")
	task(w.a, w.alice, "callback", "2026-11-10T09:00:00Z", "")
	task(w.b, w.carol, "dispute", "2026-11-10T09:00:00Z", "")

	berlin, _ := time.LoadLocation("Europe/Berlin")
	p := store.NewKPIPeriod(day("2026-10-25"), day("2026-11-23"), berlin)
	if p.Days() != 30 || !p.Start.Equal(utc("2026-10-24T22:00:00Z")) || !p.End.Equal(utc("2026-11-23T23:00:00Z")) {
		t.Fatalf("period %d days, %s – %s", p.Days(), p.Start, p.End)
	}
	k, err := st.KPIs(ctx, w.a, "EUR", p)
	if err != nil {
		t.Fatal(err)
	}
	// Open: INV-1 2999 + I1 6000 + I2 8000 (20000 - 15000 + 3000) + I3
	// 30000; overdue: all but I3.
	check := func(name string, got, want int64) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %d, want %d", name, got, want)
		}
	}
	check("open", k.OpenMinor, 46999)
	check("open invoices", int64(k.OpenInvoices), 4)
	check("overdue", k.OverdueMinor, 16999)
	check("overdue invoices", int64(k.OverdueInvoices), 3)
	// Invoiced in the period: I2, I3, I4.
	check("sales", k.SalesMinor, 55000)
	// DSO: 46999 / 55000 × 30 = 25.6 → 26 days.
	dso, ok := k.DSO(p.Days())
	check("DSO", int64(dso), 26)
	if !ok {
		t.Error("DSO not ok")
	}
	// Due in the period: I2 (paid 15000 - 3000) and I4 (5000 paid):
	// 17000 / 25000 = 68 %.
	check("due", k.DueMinor, 25000)
	check("due paid", k.DuePaidMinor, 17000)
	rate, _ := k.CollectionRate()
	check("collection rate", int64(rate), 6800)
	// Received: P1 15000 (bank transfer), P2 5000 + P3 2500 (card).
	check("received", k.ReceivedMinor, 22500)
	check("received count", int64(k.ReceivedCount), 3)
	if len(k.Methods) != 2 || k.Methods[0] != (store.MethodMix{Method: "bank_transfer", Count: 1, Minor: 15000}) ||
		k.Methods[1] != (store.MethodMix{Method: "creditcard", Count: 2, Minor: 7500}) {
		t.Errorf("methods %+v", k.Methods)
	}
	// Weeks from Monday 19 Oct (the period starts on a Sunday) to Monday
	// 23 Nov: six, P1 in the week of 2 Nov, P2 and P3 in that of 16 Nov.
	wantWeeks := []store.WeekSum{{day("2026-10-19"), 0, 0}, {day("2026-10-26"), 0, 0}, {day("2026-11-02"), 1, 15000},
		{day("2026-11-09"), 0, 0}, {day("2026-11-16"), 2, 7500}, {day("2026-11-23"), 0, 0}}
	if len(k.Weeks) != len(wantWeeks) {
		t.Fatalf("weeks %+v", k.Weeks)
	}
	for i, w := range wantWeeks {
		if got := k.Weeks[i]; !got.Week.Equal(w.Week) || got.Count != w.Count || got.Minor != w.Minor {
			t.Errorf("week %d = %+v, want %+v", i, got, w)
		}
	}
	// Links: alice, bob, emil opened; alice paid within 7 days: 1/3.
	check("link opened", int64(k.LinkOpened), 3)
	check("link paid", int64(k.LinkPaid), 1)
	conv, _ := k.LinkConversion()
	check("conversion", int64(conv), 3333)
	if k.Disputes != (store.TaskFlow{Opened: 2, Done: 2, OpenNow: 1}) {
		t.Errorf("disputes %+v", k.Disputes)
	}
	if k.PlanRequests != (store.TaskFlow{Opened: 1, Done: 0, OpenNow: 1}) {
		t.Errorf("plan requests %+v", k.PlanRequests)
	}
	r := k.Restore
	if r.Signals != 2 || r.Lifted != 1 || r.PaymentToSignal == nil || *r.PaymentToSignal != 1050 ||
		r.SignalToActive == nil || *r.SignalToActive != 7200 {
		t.Errorf("restore %+v (payment→signal %v, signal→active %v)", r, deref(r.PaymentToSignal), deref(r.SignalToActive))
	}

	// A period with nothing invoiced or due: no ratios, no medians.
	empty, err := st.KPIs(ctx, w.a, "EUR", store.NewKPIPeriod(day("2025-01-01"), day("2025-01-30"), berlin))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := empty.DSO(30); ok {
		t.Error("DSO without sales")
	}
	if _, ok := empty.CollectionRate(); ok {
		t.Error("collection rate with nothing due")
	}
	if _, ok := empty.LinkConversion(); ok || empty.Restore.PaymentToSignal != nil || empty.Restore.Signals != 0 {
		t.Errorf("empty period: %+v", empty.Restore)
	}
	if empty.OpenMinor != k.OpenMinor {
		t.Errorf("open receivables depend on the period: %d", empty.OpenMinor)
	}
}

func deref(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

// The queue: one creditor's open tasks, late first, then the oldest
// (callbacks by their time), filtered by kind, holder and lateness.
func TestOpenTasks(t *testing.T) {
	ctx := context.Background()
	w := setup(t)
	st := w.st
	me, err := st.CreateStaffUser(ctx, "me@alpha.example", "ar", &w.a, "x", false)
	if err != nil {
		t.Fatal(err)
	}
	now := utc("2026-11-23T09:00:00Z")
	add := func(creditor, debtorID int64, kind, created string, due string, assigned *int64) int64 {
		t.Helper()
		tk := &store.Task{CreditorID: creditor, DebtorID: debtorID, Kind: kind, CreatedAt: utc(created), AssignedTo: assigned}
		if due != "" {
			d := utc(due)
			tk.DueAt = &d
		}
		if err := st.AddTask(ctx, tk); err != nil {
			t.Fatal(err)
		}
		return tk.ID
	}
	fresh := add(w.a, w.alice, "overpayment", "2026-11-22T09:00:00Z", "", nil) // 1 d of 5: fine
	late := add(w.a, w.bob, "chargeback", "2026-11-22T08:00:00Z", "", &me)     // 25 h of 24: late
	callLate := add(w.a, w.alice, "callback", "2026-11-23T07:00:00Z", "2026-11-23T08:30:00Z", nil)
	callLater := add(w.a, w.alice, "callback", "2026-11-20T07:00:00Z", "2026-11-24T08:30:00Z", &me)
	oldest := add(w.a, w.bob, "dispute", "2026-11-21T09:00:00Z", "", nil) // 2 d of 3: fine
	done := add(w.a, w.bob, "dispute", "2026-11-01T09:00:00Z", "", nil)
	if err := st.CompleteTask(ctx, w.a, done, me, now); err != nil {
		t.Fatal(err)
	}
	add(w.b, w.carol, "chargeback", "2026-11-01T09:00:00Z", "", nil)

	ids := func(f store.TaskFilter) []int64 {
		t.Helper()
		list, err := st.OpenTasks(ctx, w.a, f, now)
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, q := range list {
			out = append(out, q.ID)
			if q.Total != len(list) && f.Limit == 0 {
				t.Errorf("total %d of %d", q.Total, len(list))
			}
		}
		return out
	}
	same := func(name string, got []int64, want ...int64) {
		t.Helper()
		if len(got) != len(want) {
			t.Errorf("%s = %v, want %v", name, got, want)
			return
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%s = %v, want %v", name, got, want)
				return
			}
		}
	}
	// Late ones (oldest first: the chargeback came before the callback's
	// time), then the rest by age; the later callback by its time.
	same("all", ids(store.TaskFilter{}), late, callLate, oldest, fresh, callLater)
	same("callbacks", ids(store.TaskFilter{Kind: "callback"}), callLate, callLater)
	same("mine", ids(store.TaskFilter{Who: "mine", StaffID: me}), late, callLater)
	same("unassigned", ids(store.TaskFilter{Who: "unassigned", StaffID: me}), callLate, oldest, fresh)
	same("late", ids(store.TaskFilter{LateOnly: true}), late, callLate)
	same("capped", ids(store.TaskFilter{Limit: 2}), late, callLate)

	list, _ := st.OpenTasks(ctx, w.a, store.TaskFilter{Limit: 1}, now)
	if len(list) != 1 || list[0].Total != 5 || list[0].DebtorName != "Bob" || list[0].CustomerNumber != "2" ||
		list[0].Assignee != "me@alpha.example" || !list[0].Late || !list[0].Deadline.Equal(utc("2026-11-23T08:00:00Z")) {
		t.Errorf("first row %+v", list[0])
	}
	counts, err := st.OpenTaskCounts(ctx, w.a, now)
	if err != nil {
		t.Fatal(err)
	}
	if counts["callback"] != (store.TaskCount{Open: 2, Late: 1}) || counts["dispute"] != (store.TaskCount{Open: 1}) {
		t.Errorf("counts %+v", counts)
	}
	// Another creditor's task is not found.
	if _, err := st.LockTask(ctx, w.b, fresh); !ar.IsNotFound(err) {
		t.Errorf("LockTask of another creditor's task: %v", err)
	}
}
