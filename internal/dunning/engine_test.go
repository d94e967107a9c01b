package dunning_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/dunning"
	"github.com/settle/settle/internal/i18n"
	"github.com/settle/settle/internal/portal"
	"github.com/settle/settle/internal/store"
	"github.com/settle/settle/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

var berlin, _ = time.LoadLocation("Europe/Berlin")

func wall(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, berlin)
	if err != nil {
		panic(err)
	}
	return t
}

func civil(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }

// world is a creditor in Berlin with the built-in policies and settings.
// Its debtors' invoices are due on Tuesday 1 December 2026, so the
// standard policy's stages fall on: nudge Mon 30 Nov (−3 is a Saturday),
// soft Tue 1 Dec, reminder-1 Tue 8 Dec, reminder-2 Tue 15 Dec (2.50 fee),
// final Tue 29 Dec (letter, 2.50 fee), hand-over Tue 12 Jan.
type world struct {
	ctx context.Context
	st  *store.Store
	c   *ar.Creditor
	e   *dunning.Engine
	now time.Time
}

func setup(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{ctx: ctx, st: store.New(testdb.New(t)), now: wall("2026-11-23 10:00")}
	id, err := w.st.CreateCreditor(ctx, store.NewCreditor{Creditor: ar.Creditor{Slug: "nordlicht", Name: "Nordlicht Strom",
		PrimaryColor: "#123456", AccentColor: "#654321", DefaultLanguage: "de", Timezone: "Europe/Berlin",
		Currency: "EUR", StepUp: ar.StepUpKnowledge, StepUpKnowledge: ar.KnowPostcode}})
	if err != nil {
		t.Fatal(err)
	}
	if w.c, err = w.st.Creditor(ctx, id); err != nil {
		t.Fatal(err)
	}
	clock := func() time.Time { return w.now }
	cat := i18n.MustLoad()
	w.e = &dunning.Engine{Store: w.st, Text: cat, Now: clock,
		Portal: &portal.Service{Store: w.st, Text: cat, BaseURL: "http://settle.test", Now: clock}}
	return w
}

// debtor adds a debtor with one invoice of gross minor units due 1 Dec.
func (w *world) debtor(t *testing.T, number string, gross int64, edit func(*ar.Debtor)) (*ar.Debtor, *ar.Invoice) {
	t.Helper()
	d := &ar.Debtor{CreditorID: w.c.ID, CustomerNumber: number, Name: "Alice " + number, Postcode: "10115",
		Street: "Hauptstraße 1", City: "Berlin", Email: "alice" + number + "@example.org", Language: "en", Kind: "consumer",
		PreferredChannel: "email"}
	if edit != nil {
		edit(d)
	}
	if _, err := w.st.UpsertDebtor(w.ctx, d); err != nil {
		t.Fatal(err)
	}
	inv := &ar.Invoice{CreditorID: w.c.ID, DebtorID: d.ID, Number: "R-" + number, IssueDate: civil("2026-11-17"),
		DueDate: civil("2026-12-01"), Currency: "EUR", NetMinor: gross, TotalMinor: gross,
		Lines: []ar.InvoiceLine{{Position: 1, Description: "Strom", QuantityMilli: 1000, UnitPriceMinor: gross, NetMinor: gross, TotalMinor: gross}}}
	if err := w.st.CreateInvoice(w.ctx, inv); err != nil {
		t.Fatal(err)
	}
	return d, inv
}

func (w *world) run(t *testing.T, at string) *dunning.Report {
	t.Helper()
	w.now = wall(at)
	rep, err := w.e.RunCreditor(w.ctx, w.c, w.now, false)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func (w *world) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := w.st.DB().Get(&n, q, args...); err != nil {
		t.Fatal(err)
	}
	return n
}

type sent struct {
	Stage, Channel, Status, Subject, Body, Template string
	Fee, Interest                                   int64
}

// actions lists an invoice's actions with their messages, oldest first.
func (w *world) actions(t *testing.T, inv *ar.Invoice) []sent {
	t.Helper()
	var list []sent
	if err := w.st.DB().Select(&list, `SELECT a.stage, a.channel, COALESCE(m.status, a.status) AS status,
			COALESCE(m.subject, '') AS subject, COALESCE(m.body, '') AS body, a.template, a.fee_minor AS fee,
			a.interest_minor AS interest
		FROM dunning_actions a LEFT JOIN messages m ON m.id = a.message_id WHERE a.invoice_id = $1 ORDER BY a.id`, inv.ID); err != nil {
		t.Fatal(err)
	}
	return list
}

func (w *world) open(t *testing.T, inv *ar.Invoice) int64 {
	t.Helper()
	return int64(w.count(t, `SELECT sum(amount_minor)::int FROM ledger_entries WHERE invoice_id = $1`, inv.ID))
}

// TestEngineWalk follows one consumer's invoice through the standard
// policy: each stage on its business day at 09:00 and not before, the
// frequency cap, the fees and the default interest on the ledger, the
// letter for print, the hand-over event, and nothing twice.
func TestEngineWalk(t *testing.T) {
	w := setup(t)
	_, inv := w.debtor(t, "1001", 10000, nil)

	for _, at := range []string{"2026-11-27 10:00", "2026-11-28 10:00", "2026-11-30 08:59"} {
		if rep := w.run(t, at); len(rep.Actions) != 0 || rep.Invoices != 1 {
			t.Fatalf("%s: %+v; nothing is due before Monday 09:00", at, rep)
		}
	}
	rep := w.run(t, "2026-11-30 09:05")
	if rep.Messages != 1 || rep.Actions["nudge/email"] != 1 {
		t.Fatalf("nudge: %+v", rep)
	}
	got := w.actions(t, inv)
	if len(got) != 1 || got[0].Stage != "nudge" || got[0].Status != "queued" ||
		!strings.Contains(got[0].Subject, "due on 1 Dec 2026") && !strings.Contains(got[0].Subject, "Dec") ||
		!strings.Contains(got[0].Body, "R-1001") || !strings.Contains(got[0].Body, "http://settle.test/l/") ||
		!strings.HasPrefix(got[0].Template, "message.dunning.nudge.friendly.email@en-") {
		t.Fatalf("nudge: %+v", got)
	}
	// Again a quarter of an hour later: nothing new.
	if rep := w.run(t, "2026-11-30 09:20"); len(rep.Actions) != 0 || rep.Messages != 0 {
		t.Fatalf("second run: %+v", rep)
	}
	// The soft reminder is due Tuesday, but the nudge went out less than
	// 72 hours before: it waits for the cap, then goes.
	if rep := w.run(t, "2026-12-01 09:05"); rep.Messages != 0 || rep.Held["cap"] != 1 {
		t.Fatalf("soft within the cap: %+v", rep)
	}
	if rep := w.run(t, "2026-12-03 09:10"); rep.Actions["soft/email"] != 1 {
		t.Fatalf("soft: %+v", rep)
	}
	// First reminder: no fee (it puts the debtor in default), no interest yet.
	if rep := w.run(t, "2026-12-08 09:05"); rep.Actions["reminder/email"] != 1 || rep.FeesMinor != 0 || rep.InterestMinor != 0 {
		t.Fatalf("reminder-1: %+v", rep)
	}
	// Second: the 2.50 fee and 7 days of default interest (9–15 Dec) on
	// 100.00 at 1.27 % + 5 points: 100 × 6.27 % × 7 / 365 = 0.12.
	if rep := w.run(t, "2026-12-15 09:05"); rep.Actions["reminder/email"] != 1 || rep.FeesMinor != 250 || rep.InterestMinor != 12 {
		t.Fatalf("reminder-2: %+v", rep)
	}
	if open := w.open(t, inv); open != 10262 {
		t.Errorf("open after reminder-2: %d, want 10262", open)
	}
	// Final notice by letter, waiting for the print export: another 2.50
	// and the interest of 16–29 Dec: 21 days in all make 0.36, less 0.12.
	if rep := w.run(t, "2026-12-29 09:05"); rep.Actions["final/letter"] != 1 || rep.FeesMinor != 250 || rep.InterestMinor != 24 {
		t.Fatalf("final: %+v", rep)
	}
	got = w.actions(t, inv)
	last := got[len(got)-1]
	if last.Stage != "final" || last.Status != "to_print" || !strings.Contains(last.Subject, "Final notice") {
		t.Errorf("final: %+v", last)
	}
	if n := w.count(t, `SELECT count(*) FROM ledger_entries WHERE invoice_id = $1 AND kind IN ('fee', 'interest') AND dunning_action_id IS NOT NULL`, inv.ID); n != 4 {
		t.Errorf("%d fee and interest entries, want 4", n)
	}
	// Hand-over: no message, the creditor's event.
	if rep := w.run(t, "2027-01-12 09:05"); rep.Actions["handover/none"] != 1 || rep.Messages != 0 {
		t.Fatalf("hand-over: %+v", rep)
	}
	if n := w.count(t, `SELECT count(*) FROM events WHERE type = 'dunning.handover' AND creditor_id = $1`, w.c.ID); n != 1 {
		t.Errorf("%d hand-over events", n)
	}
	stages := []string{}
	for _, a := range w.actions(t, inv) {
		stages = append(stages, a.Stage)
	}
	if fmt.Sprint(stages) != "[nudge soft reminder-1 reminder-2 final handover]" {
		t.Errorf("stages %v", stages)
	}
	// The debtor's timeline shows each step.
	if n := w.count(t, `SELECT count(*) FROM interactions WHERE invoice_id = $1 AND kind LIKE 'dunning.%' AND visibility = 'customer'`, inv.ID); n != 6 {
		t.Errorf("%d timeline entries, want 6", n)
	}
	// Nothing more, ever.
	if rep := w.run(t, "2027-03-01 09:05"); len(rep.Actions) != 0 {
		t.Errorf("after the last stage: %+v", rep)
	}
}

// TestEngineConcurrent runs the engine four times at once: every debtor
// gets one message, never two.
func TestEngineConcurrent(t *testing.T) {
	w := setup(t)
	for i := range 40 {
		w.debtor(t, fmt.Sprint(2000+i), 5000+int64(i), nil)
	}
	w.now = wall("2026-12-01 09:05") // the soft reminder (the nudge is passed over)
	var wg sync.WaitGroup
	reps := make([]*dunning.Report, 4)
	for i := range reps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rep, err := w.e.RunCreditor(w.ctx, w.c, w.now, false)
			if err != nil {
				t.Error(err)
			}
			reps[i] = rep
		}()
	}
	wg.Wait()
	messages := 0
	for _, r := range reps {
		messages += r.Messages
	}
	if messages != 40 {
		t.Errorf("%d messages from four runs, want 40", messages)
	}
	if n := w.count(t, `SELECT count(*) FROM messages WHERE purpose = 'dunning'`); n != 40 {
		t.Errorf("%d messages in the outbox, want 40", n)
	}
	if n := w.count(t, `SELECT count(DISTINCT debtor_id) FROM messages WHERE purpose = 'dunning'`); n != 40 {
		t.Errorf("%d debtors reached, want 40", n)
	}
}

// TestEngineHolds: disputes, plans and promises hold invoices; a partly
// disputed invoice is dunned for the rest; a dry run writes nothing; a
// debtor without an address is recorded, not messaged.
func TestEngineHolds(t *testing.T) {
	w := setup(t)
	disputed, dinv := w.debtor(t, "3001", 10000, nil)
	partly, pinv := w.debtor(t, "3002", 10000, nil)
	planned, plinv := w.debtor(t, "3003", 10000, nil)
	promised, _ := w.debtor(t, "3004", 10000, nil)
	_, ninv := w.debtor(t, "3005", 10000, func(d *ar.Debtor) { d.Email, d.Street = "", "" })
	db := w.st.DB()
	db.MustExec(`INSERT INTO disputes (public_id, creditor_id, debtor_id, invoice_id, reason, disputed_minor, currency)
		VALUES ('dsp_1', $1, $2, $3, 'wrong_amount', 10000, 'EUR'), ('dsp_2', $1, $4, $5, 'wrong_amount', 4000, 'EUR')`,
		w.c.ID, disputed.ID, dinv.ID, partly.ID, pinv.ID)
	var plan int64
	if err := db.Get(&plan, `INSERT INTO payment_plans (public_id, creditor_id, debtor_id, kind, status, principal_minor,
		total_minor, currency) VALUES ('pln_1', $1, $2, 'deferral', 'active', 10000, 10000, 'EUR') RETURNING id`, w.c.ID, planned.ID); err != nil {
		t.Fatal(err)
	}
	db.MustExec(`INSERT INTO plan_invoices (plan_id, creditor_id, invoice_id, open_minor) VALUES ($1, $2, $3, 10000)`, plan, w.c.ID, plinv.ID)
	db.MustExec(`INSERT INTO promises (creditor_id, debtor_id, amount_minor, currency, due_date) VALUES ($1, $2, 10000, 'EUR', '2026-12-20')`,
		w.c.ID, promised.ID)

	w.now = wall("2026-12-08 09:05")
	dry, err := w.e.RunCreditor(w.ctx, w.c, w.now, true)
	if err != nil {
		t.Fatal(err)
	}
	if dry.Held["dispute"] != 1 || dry.Held["plan"] != 1 || dry.Held["promise"] != 1 || dry.Actions["reminder/email"] != 1 ||
		dry.Actions["reminder/none"] != 1 || dry.Messages != 1 {
		t.Fatalf("dry run: %+v", dry)
	}
	if n := w.count(t, `SELECT count(*) FROM dunning_actions`) + w.count(t, `SELECT count(*) FROM messages`); n != 0 {
		t.Fatalf("the dry run wrote %d rows", n)
	}
	rep := w.run(t, "2026-12-08 09:05")
	if rep.Messages != 1 {
		t.Fatalf("run: %+v", rep)
	}
	got := w.actions(t, pinv)
	if len(got) != 1 || !strings.Contains(got[0].Body, "€60.00") {
		t.Errorf("partly disputed: %+v; want the undisputed 60.00", got)
	}
	if got := w.actions(t, ninv); len(got) != 1 || got[0].Channel != "none" || got[0].Status != "skipped" {
		t.Errorf("no address: %+v", got)
	}
	for _, inv := range []*ar.Invoice{dinv, plinv} {
		if got := w.actions(t, inv); len(got) != 0 {
			t.Errorf("%s: %+v", inv.Number, got)
		}
	}
}

// TestEngineCheck: a reminder whose invoice is paid before it goes out
// is cancelled by the sender's last look.
func TestEngineCheck(t *testing.T) {
	w := setup(t)
	d, inv := w.debtor(t, "4001", 10000, nil)
	w.run(t, "2026-12-01 09:05")
	var msg int64
	if err := w.st.DB().Get(&msg, `SELECT id FROM messages WHERE purpose = 'dunning'`); err != nil {
		t.Fatal(err)
	}
	if reason, err := w.e.Check(w.ctx, w.c.ID, msg, "dunning"); err != nil || reason != "" {
		t.Fatalf("unpaid: %q, %v", reason, err)
	}
	p := &store.Payment{PublicID: ar.NewPublicID("pay"), CreditorID: w.c.ID, DebtorID: d.ID, Method: "bank_transfer",
		Status: "paid", AmountMinor: 10000, Currency: "EUR", ValueDate: civil("2026-12-01")}
	if err := w.st.CreatePayment(w.ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := w.st.BookPaymentAllocation(w.ctx, p, &inv.ID, 10000); err != nil {
		t.Fatal(err)
	}
	if reason, err := w.e.Check(w.ctx, w.c.ID, msg, "dunning"); err != nil || reason == "" {
		t.Fatalf("paid: %q, %v", reason, err)
	}
	if reason, err := w.e.Check(w.ctx, w.c.ID+1000, msg, "dunning"); err != nil || reason != "" {
		t.Fatalf("another creditor's message id: %q, %v", reason, err)
	}
	if reason, err := w.e.Check(w.ctx, w.c.ID, msg, "otp"); err != nil || reason != "" {
		t.Fatalf("other purposes are not looked at: %q, %v", reason, err)
	}
}

// TestEngineBusinessAndSmartWaiting: a business pays the 40 EUR flat of
// § 288 (5) BGB with the second reminder (and interest at 9 points); a
// debtor who reliably pays within 5 days of the due date gets no nudge
// and no soft reminder inside that lag.
func TestEngineBusinessAndSmartWaiting(t *testing.T) {
	w := setup(t)
	_, binv := w.debtor(t, "5001", 100000, func(d *ar.Debtor) { d.Kind = "business" })
	slow, sinv := w.debtor(t, "5002", 10000, nil)
	w.st.DB().MustExec(`INSERT INTO debtor_behaviour (creditor_id, debtor_id, computed_at, invoices_paid, paid_late,
		usual_lag_days) VALUES ($1, $2, now(), 6, 0, 5)`, w.c.ID, slow.ID)

	w.run(t, "2026-11-30 09:05")
	w.run(t, "2026-12-03 09:05")
	if got := w.actions(t, sinv); len(got) != 0 {
		t.Errorf("inside the lag: %+v", got)
	}
	w.run(t, "2026-12-08 09:05")
	if got := w.actions(t, sinv); len(got) != 1 || got[0].Stage != "reminder-1" {
		t.Errorf("after the lag: %+v", got)
	}
	w.run(t, "2026-12-15 09:05")
	got := w.actions(t, binv)
	last := got[len(got)-1]
	// 1,000.00 × (1.27 + 9) % × 7 / 365 = 1.97
	if last.Stage != "reminder-2" || last.Fee != 4000 || last.Interest != 197 {
		t.Errorf("business reminder-2: %+v", last)
	}
}

// TestEnginePausesAndPreferredDay: staff's pause (through its last day)
// and the hardship flag hold a debtor; a debtor who asked to be reminded
// around the 10th gets the first reminder on the 10th, not the 8th.
func TestEnginePausesAndPreferredDay(t *testing.T) {
	w := setup(t)
	paused, pinv := w.debtor(t, "6001", 10000, nil)
	_, hinv := w.debtor(t, "6002", 10000, func(d *ar.Debtor) { d.Hardship = true })
	tenth, tinv := w.debtor(t, "6003", 10000, nil)
	db := w.st.DB()
	db.MustExec(`UPDATE debtors SET dunning_paused_until = '2026-12-08', dunning_pause_note = 'Krankenhaus' WHERE id = $1`, paused.ID)
	db.MustExec(`UPDATE debtors SET reminder_day = 10 WHERE id = $1`, tenth.ID)

	w.run(t, "2026-12-01 09:05") // soft reminders
	rep := w.run(t, "2026-12-08 09:05")
	if rep.Held["paused"] != 1 || rep.Held["hardship"] != 1 {
		t.Errorf("8 Dec: %+v", rep)
	}
	if got := w.actions(t, tinv); len(got) != 1 || got[0].Stage != "soft" {
		t.Errorf("around the 10th, on the 8th: %+v", got)
	}
	w.run(t, "2026-12-09 09:05") // the pause is over: reminder-1 for the paused debtor
	if got := w.actions(t, pinv); len(got) != 1 || got[0].Stage != "reminder-1" {
		t.Errorf("after the pause: %+v", got)
	}
	w.run(t, "2026-12-10 09:05")
	if got := w.actions(t, tinv); len(got) != 2 || got[1].Stage != "reminder-1" {
		t.Errorf("around the 10th, on the 10th: %+v", got)
	}
	if got := w.actions(t, hinv); len(got) != 0 {
		t.Errorf("hardship: %+v", got)
	}
	// The creditor may send hardship cases through the hardship policy
	// instead (friendly, no fees, no hand-over).
	s := dunning.DefaultSettings()
	s.HardshipFlow = true
	b, _ := json.Marshal(s)
	if _, err := w.st.SaveDunningSettings(w.ctx, w.c.ID, b, nil); err != nil {
		t.Fatal(err)
	}
	w.run(t, "2026-12-15 09:05")
	if got := w.actions(t, hinv); len(got) != 1 || got[0].Stage != "reminder-1" || !strings.HasPrefix(got[0].Template, "message.dunning.reminder.friendly.") || got[0].Fee != 0 {
		t.Errorf("hardship flow: %+v", got)
	}
}

// TestEngineCatchUp: an invoice that arrives 50 days overdue (or a
// scheduler that was down) gets a reminder first, not the hand-over its
// dates would say; the final notice and the hand-over follow with the
// policy's spacing.
func TestEngineCatchUp(t *testing.T) {
	w := setup(t)
	_, inv := w.debtor(t, "7001", 10000, nil) // due 1 Dec
	stages := func() string {
		var list []string
		for _, a := range w.actions(t, inv) {
			list = append(list, a.Stage)
		}
		return fmt.Sprint(list)
	}
	w.run(t, "2027-01-20 09:05") // +50: the hand-over's day
	if got := stages(); got != "[reminder-2]" {
		t.Fatalf("first run 50 days late: %s, want the last reminder before the final notice", got)
	}
	if got := w.actions(t, inv)[0]; got.Fee != 0 {
		t.Errorf("the first reminder sent carries a fee: %+v", got)
	}
	w.run(t, "2027-01-28 09:05")
	if got := stages(); got != "[reminder-2]" {
		t.Fatalf("8 days later: %s; the final notice waits 14 days", got)
	}
	w.run(t, "2027-02-03 09:05")
	if got := stages(); got != "[reminder-2 final]" {
		t.Fatalf("14 days later: %s", got)
	}
	w.run(t, "2027-02-10 09:05")
	if got := stages(); got != "[reminder-2 final]" {
		t.Fatalf("7 days after the final notice: %s", got)
	}
	w.run(t, "2027-02-17 09:05")
	if got := stages(); got != "[reminder-2 final handover]" {
		t.Fatalf("14 days after the final notice: %s", got)
	}
}
