package promises_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/i18n"
	"github.com/settle/settle/internal/portal"
	"github.com/settle/settle/internal/promises"
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

func day(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }

type world struct {
	ctx    context.Context
	st     *store.Store
	svc    *promises.Service
	c      *ar.Creditor
	debtor *ar.Debtor
	invs   []*ar.Invoice
	now    time.Time
}

// setup makes a creditor in Berlin with one English-speaking debtor
// (with an email address) and two open invoices of 100 and 200 €; it is
// 23 November 2026, 10:00 in Berlin.
func setup(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{ctx: ctx, st: store.New(testdb.New(t)), now: wall("2026-11-23 10:00")}
	id, err := w.st.CreateCreditor(ctx, store.NewCreditor{Creditor: ar.Creditor{Slug: "alpha", Name: "Alpha Energie",
		PrimaryColor: "#123456", AccentColor: "#654321", DefaultLanguage: "de", Timezone: "Europe/Berlin",
		Currency: "EUR", StepUp: ar.StepUpKnowledge, StepUpKnowledge: ar.KnowPostcode}})
	if err != nil {
		t.Fatal(err)
	}
	if w.c, err = w.st.Creditor(ctx, id); err != nil {
		t.Fatal(err)
	}
	w.debtor = &ar.Debtor{CreditorID: id, CustomerNumber: "1", Name: "Alice", Postcode: "10115",
		Email: "alice@example.org", Language: "en"}
	if _, err = w.st.UpsertDebtor(ctx, w.debtor); err != nil {
		t.Fatal(err)
	}
	for i, gross := range []int64{10000, 20000} {
		inv := &ar.Invoice{CreditorID: id, DebtorID: w.debtor.ID, Number: fmt.Sprintf("R-%d", i+1), IssueDate: day("2026-10-01"),
			DueDate: day("2026-10-15"), Currency: "EUR", NetMinor: gross, TotalMinor: gross,
			Lines: []ar.InvoiceLine{{Position: 1, Description: "x", QuantityMilli: 1000, UnitPriceMinor: gross, NetMinor: gross, TotalMinor: gross}}}
		if err := w.st.CreateInvoice(ctx, inv); err != nil {
			t.Fatal(err)
		}
		w.invs = append(w.invs, inv)
	}
	clock := func() time.Time { return w.now }
	w.svc = &promises.Service{Store: w.st, Now: clock,
		Portal: &portal.Service{Store: w.st, Text: i18n.MustLoad(), BaseURL: "http://settle.test", Now: clock}}
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

func (w *world) make(t *testing.T, minor int64, date string) *store.Promise {
	t.Helper()
	p, err := w.svc.Make(w.ctx, w.c, w.debtor.ID, promises.Ask{AmountMinor: minor, Date: day(date)}, promises.By{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (w *world) lifecycle(t *testing.T, want promises.Outcome) {
	t.Helper()
	got, err := w.svc.Lifecycle(w.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("%s: %+v, want %+v", w.now.In(berlin).Format("2006-01-02 15:04"), got, want)
	}
}

// pay records a paid payment made at the world's now.
func (w *world) pay(t *testing.T, minor int64) {
	t.Helper()
	if err := w.st.CreatePayment(w.ctx, &store.Payment{PublicID: ar.NewPublicID("pay"), CreditorID: w.c.ID, DebtorID: w.debtor.ID,
		Method: "bank_transfer", Status: "paid", AmountMinor: minor, Currency: "EUR", ValueDate: w.c.Today(w.now), CreatedAt: w.now}); err != nil {
		t.Fatal(err)
	}
}

func (w *world) status(t *testing.T, id int64) string {
	t.Helper()
	var s string
	if err := w.st.DB().Get(&s, `SELECT status FROM promises WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	return s
}

// A promise is stored from the portal, on the timeline (customer-visible,
// the shape staff's promise.made has) and sent to the creditor; a second
// one replaces the first, which ends as cancelled.
func TestMakeReplacesTheOpenPromise(t *testing.T) {
	w := setup(t)
	first := w.make(t, 4500, "2026-12-03")
	if first.Status != store.PromiseOpen || first.Source != "portal" || !first.CreatedAt.Equal(w.now) || first.Replaced != nil {
		t.Fatalf("first promise %+v", first)
	}
	var data struct {
		Amount  int64  `db:"amount"`
		Date    string `db:"date"`
		Promise int64  `db:"promise"`
	}
	if err := w.st.DB().Get(&data, `SELECT (data->>'amount_minor')::bigint AS amount, data->>'date' AS date,
		(data->>'promise')::bigint AS promise FROM interactions WHERE kind = 'promise.made' AND visibility = 'customer'
		AND channel = 'portal' AND actor = 'debtor'`); err != nil {
		t.Fatal(err)
	}
	if data.Amount != 4500 || data.Date != "2026-12-03" || data.Promise != first.ID {
		t.Errorf("timeline entry %+v", data)
	}
	w.now = w.now.Add(time.Hour)
	second := w.make(t, 8000, "2026-12-10")
	if second.Replaced == nil || second.Replaced.ID != first.ID {
		t.Fatalf("second promise replaced %+v", second.Replaced)
	}
	if s := w.status(t, first.ID); s != store.PromiseCancelled {
		t.Errorf("first promise %s, want cancelled", s)
	}
	if n := w.count(t, `SELECT count(*) FROM promises WHERE id = $1 AND replaced_by = $2 AND closed_at IS NOT NULL`, first.ID, second.ID); n != 1 {
		t.Error("the first promise does not say what replaced it")
	}
	open, err := w.st.OpenPromise(w.ctx, w.c.ID, w.debtor.ID)
	if err != nil || open == nil || open.ID != second.ID || open.AmountMinor != 8000 || !open.DueDate.Equal(day("2026-12-10")) {
		t.Fatalf("OpenPromise = %+v, %v", open, err)
	}
	if n := w.count(t, `SELECT count(*) FROM events WHERE type = 'promise.made' AND data->>'customer_number' = '1'`); n != 2 {
		t.Errorf("%d promise.made events", n)
	}
	if n := w.count(t, `SELECT count(*) FROM events WHERE type = 'promise.made' AND (data->>'replaces_promise_id')::bigint = $1
		AND (data->>'amount_minor')::bigint = 8000 AND data->>'due_date' = '2026-12-10'`, first.ID); n != 1 {
		t.Error("the second event does not name the promise it replaces")
	}
	// Another debtor has none.
	if p, err := w.st.OpenPromise(w.ctx, w.c.ID, w.debtor.ID+1000); err != nil || p != nil {
		t.Errorf("OpenPromise of nobody = %+v, %v", p, err)
	}
}

// Amounts from 0.01 to what is open, dates from today to the plan
// policy's MaxDeferralDays (60 by default) ahead; each refusal names
// its field.
func TestMakeRefuses(t *testing.T) {
	w := setup(t)
	cases := []struct {
		minor       int64
		date, field string
		key         string
	}{
		{0, "2026-12-03", "amount", "error.promise.amount"},
		{-5, "2026-12-03", "amount", "error.promise.amount"},
		{30001, "2026-12-03", "amount", "error.promise.amount_above"},
		{100, "2026-11-22", "date", "error.promise.date_past"},
		{100, "2027-01-23", "date", "error.promise.date_far"},
		{100, "not a date", "date", "error.promise.date"},
	}
	for _, c := range cases {
		_, err := w.svc.Make(w.ctx, w.c, w.debtor.ID, promises.Ask{AmountMinor: c.minor, Date: day(c.date)}, promises.By{})
		e, ok := ar.AsError(err)
		if !ok || e.Field != c.field || e.Key != c.key || ar.ErrorCode(err) != ar.Invalid {
			t.Errorf("%d by %s: %v, want %s on %s", c.minor, c.date, err, c.key, c.field)
		}
	}
	// The edges are fine: today, the last day, everything open.
	w.make(t, 30000, "2026-11-23")
	w.make(t, 1, "2027-01-22")
	if n := w.count(t, `SELECT count(*) FROM promises`); n != 2 {
		t.Errorf("%d promises", n)
	}
	// The window follows the policy.
	pol := ar.DefaultPlanPolicy(w.c.ID)
	pol.MaxDeferralDays, pol.Segments = 10, []string{}
	if err := w.st.SavePlanPolicy(w.ctx, pol); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Make(w.ctx, w.c, w.debtor.ID, promises.Ask{AmountMinor: 100, Date: day("2026-12-04")}, promises.By{}); ar.ErrorCode(err) != ar.Invalid {
		t.Errorf("11 days ahead with a 10-day window: %v", err)
	}
	// Nothing open: nothing to promise.
	for _, inv := range w.invs {
		if err := w.st.BookPayment(w.ctx, w.c.ID, w.debtor.ID, inv.ID, inv.TotalMinor, "EUR", day("2026-11-20"), "x"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := w.svc.Make(w.ctx, w.c, w.debtor.ID, promises.Ask{AmountMinor: 100, Date: day("2026-11-30")}, promises.By{}); ar.ErrorCode(err) != ar.Conflict {
		t.Errorf("with nothing open: %v, want a conflict", err)
	}
}

// Promises made at the same moment replace one another in turn: one
// stays open, none fails.
func TestConcurrentPromisesLeaveOneOpen(t *testing.T) {
	w := setup(t)
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := w.svc.Make(w.ctx, w.c, w.debtor.ID, promises.Ask{AmountMinor: int64(1000 + i), Date: day("2026-12-03")}, promises.By{})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := w.count(t, `SELECT count(*) FROM promises WHERE status = 'open'`); n != 1 {
		t.Errorf("%d open promises", n)
	}
	if n := w.count(t, `SELECT count(*) FROM promises WHERE status = 'cancelled' AND replaced_by IS NOT NULL`); n != 5 {
		t.Errorf("%d replaced promises", n)
	}
}

// One reminder the day before, whatever the number of runs and workers,
// by the debtor's channel, in their language, on the timeline.
func TestReminderOnceTheDayBefore(t *testing.T) {
	w := setup(t)
	p := w.make(t, 4500, "2026-12-03")
	for _, at := range []string{"2026-11-23 23:00", "2026-12-01 12:00", "2026-12-01 23:59"} {
		w.now = wall(at)
		w.lifecycle(t, promises.Outcome{})
	}
	w.now = wall("2026-12-02 00:10")
	var wg sync.WaitGroup
	for range 5 { // five workers at once
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := w.svc.Lifecycle(w.ctx); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := w.count(t, `SELECT count(*) FROM messages WHERE purpose = 'promise'`); n != 1 {
		t.Fatalf("%d reminders after five runs", n)
	}
	var subject, body, channel, recipient string
	if err := w.st.DB().QueryRow(`SELECT subject, body, channel, recipient FROM messages WHERE purpose = 'promise'`).Scan(&subject, &body, &channel, &recipient); err != nil {
		t.Fatal(err)
	}
	en := i18n.MustLoad().Locale("en")
	if channel != "email" || recipient != "alice@example.org" || subject != en.T("message.promise.reminder.subject", "Amount", "€45.00", "Date", "3 December 2026") ||
		!strings.Contains(body, "€45.00") || !strings.Contains(body, "3 December 2026") || !strings.Contains(body, "http://settle.test/l/") {
		t.Errorf("reminder by %s to %s: %q\n%s", channel, recipient, subject, body)
	}
	if n := w.count(t, `SELECT count(*) FROM interactions WHERE kind = 'promise.reminded' AND visibility = 'customer'
		AND channel = 'email' AND (data->>'promise')::bigint = $1`, p.ID); n != 1 {
		t.Errorf("%d reminder entries", n)
	}
	if n := w.count(t, `SELECT count(*) FROM promises WHERE id = $1 AND reminded_at IS NOT NULL AND status = 'open'`, p.ID); n != 1 {
		t.Error("the promise is not marked reminded")
	}
	// On the date itself and in the grace day: nothing more.
	for _, at := range []string{"2026-12-02 18:00", "2026-12-03 09:00", "2026-12-04 23:59"} {
		w.now = wall(at)
		w.lifecycle(t, promises.Outcome{})
	}
}

// A promise for tomorrow made today gets no reminder (the debtor just
// made it); one whose day before the job missed is reminded on the day.
func TestReminderTiming(t *testing.T) {
	w := setup(t)
	w.make(t, 4500, "2026-11-24")
	w.lifecycle(t, promises.Outcome{})
	w.now = wall("2026-11-24 08:00")
	w.lifecycle(t, promises.Outcome{Reminded: 1})
}

// Paid since the promise: kept at once (no reminder), with the timeline
// entry; a payment from before the promise does not count.
func TestKeptWhenPaid(t *testing.T) {
	w := setup(t)
	w.pay(t, 9999) // before the promise
	w.now = w.now.Add(time.Minute)
	p := w.make(t, 4500, "2026-12-03")
	w.lifecycle(t, promises.Outcome{})
	w.now = wall("2026-11-30 12:00")
	w.pay(t, 2000)
	w.lifecycle(t, promises.Outcome{})
	w.pay(t, 2500)
	w.lifecycle(t, promises.Outcome{Kept: 1})
	w.lifecycle(t, promises.Outcome{})
	if s := w.status(t, p.ID); s != store.PromiseKept {
		t.Errorf("promise %s, want kept", s)
	}
	if n := w.count(t, `SELECT count(*) FROM interactions WHERE kind = 'promise.kept' AND visibility = 'customer'
		AND (data->>'paid_minor')::bigint = 4500`); n != 1 {
		t.Errorf("%d promise.kept entries", n)
	}
	// The creditor hears of it once, with what covered it.
	var data struct {
		ID       int64  `json:"promise_id"`
		Customer string `json:"customer_number"`
		Amount   int64  `json:"amount_minor"`
		Paid     int64  `json:"paid_minor"`
		Due      string `json:"due_date"`
		Source   string `json:"source"`
	}
	var raw []byte
	if err := w.st.DB().QueryRow(`SELECT data FROM events WHERE type = 'promise.kept'`).Scan(&raw); err != nil {
		t.Fatalf("no promise.kept event: %v", err)
	}
	if err := json.Unmarshal(raw, &data); err != nil {
		t.Fatal(err)
	}
	if data.ID != p.ID || data.Customer != w.debtor.CustomerNumber || data.Amount != 4500 || data.Paid != 4500 ||
		data.Due != "2026-12-03" || data.Source != "portal" {
		t.Errorf("promise.kept event %s", raw)
	}
	if n := w.count(t, `SELECT count(*) FROM events WHERE type IN ('promise.kept', 'promise.broken')`); n != 1 {
		t.Errorf("%d promise.kept/broken events, want the one promise.kept", n)
	}
	w.now = wall("2026-12-02 09:00")
	w.lifecycle(t, promises.Outcome{})
	if n := w.count(t, `SELECT count(*) FROM messages`); n != 0 {
		t.Errorf("%d messages for a kept promise", n)
	}
	if open, _ := w.st.OpenPromise(w.ctx, w.c.ID, w.debtor.ID); open != nil {
		t.Errorf("still open: %+v", open)
	}
}

// Not paid (or not all of it) a grace day after the date: broken, on the
// timeline for the debtor, and the creditor gets promise.broken; dunning
// no longer waits.
func TestBrokenWhenNotPaid(t *testing.T) {
	w := setup(t)
	p := w.make(t, 4500, "2026-12-03")
	w.now = wall("2026-12-01 10:00")
	w.pay(t, 1000)
	w.now = wall("2026-12-03 23:59") // the job did not run the day before
	w.lifecycle(t, promises.Outcome{Reminded: 1})
	w.now = wall("2026-12-04 23:59") // the grace day
	w.lifecycle(t, promises.Outcome{})
	w.now = wall("2026-12-05 00:20")
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() { defer wg.Done(); _, _ = w.svc.Lifecycle(w.ctx) }()
	}
	wg.Wait()
	w.lifecycle(t, promises.Outcome{})
	if s := w.status(t, p.ID); s != store.PromiseBroken {
		t.Fatalf("promise %s, want broken", s)
	}
	var ev struct {
		Promise  int64  `db:"promise"`
		Customer string `db:"customer"`
		Amount   int64  `db:"amount"`
		Paid     int64  `db:"paid"`
		Due      string `db:"due"`
	}
	if err := w.st.DB().Get(&ev, `SELECT (data->>'promise_id')::bigint AS promise, data->>'customer_number' AS customer,
		(data->>'amount_minor')::bigint AS amount, (data->>'paid_minor')::bigint AS paid, data->>'due_date' AS due
		FROM events WHERE type = 'promise.broken'`); err != nil {
		t.Fatal(err)
	}
	if ev.Promise != p.ID || ev.Customer != "1" || ev.Amount != 4500 || ev.Paid != 1000 || ev.Due != "2026-12-03" {
		t.Errorf("promise.broken event %+v", ev)
	}
	if n := w.count(t, `SELECT count(*) FROM events WHERE type = 'promise.kept'`); n != 0 {
		t.Errorf("%d promise.kept events for a broken promise", n)
	}
	if n := w.count(t, `SELECT count(*) FROM events WHERE type = 'promise.broken'`); n != 1 {
		t.Errorf("%d promise.broken events", n)
	}
	if n := w.count(t, `SELECT count(*) FROM interactions WHERE kind = 'promise.broken' AND visibility = 'customer'
		AND data->>'date' = '2026-12-03' AND (data->>'amount_minor')::bigint = 4500`); n != 1 {
		t.Errorf("%d promise.broken entries", n)
	}
	if open, _ := w.st.OpenPromise(w.ctx, w.c.ID, w.debtor.ID); open != nil {
		t.Errorf("still open: %+v", open)
	}
	// A payment after the break changes nothing.
	w.pay(t, 9000)
	w.lifecycle(t, promises.Outcome{})
}

// A replaced (cancelled) promise is neither reminded nor broken; nor
// is a kept one.
func TestNothingForCancelledPromises(t *testing.T) {
	w := setup(t)
	old := w.make(t, 4500, "2026-11-30")
	w.make(t, 6000, "2026-12-20")
	for _, at := range []string{"2026-11-29 09:00", "2026-11-30 09:00", "2026-12-02 09:00", "2026-12-10 09:00"} {
		w.now = wall(at)
		w.lifecycle(t, promises.Outcome{})
	}
	if s := w.status(t, old.ID); s != store.PromiseCancelled {
		t.Errorf("replaced promise %s", s)
	}
	if n := w.count(t, `SELECT count(*) FROM messages`) + w.count(t, `SELECT count(*) FROM events WHERE type = 'promise.broken'`); n != 0 {
		t.Errorf("%d messages and events for a cancelled promise", n)
	}
}

// Nothing open any more at the date (a credit note settled the account):
// the promise ends as cancelled, for staff only, with no event.
func TestNothingOpenEndsAsCancelled(t *testing.T) {
	w := setup(t)
	p := w.make(t, 4500, "2026-12-03")
	for i, inv := range w.invs {
		id := inv.ID
		if err := w.st.CreateCreditNote(w.ctx, &store.CreditNote{CreditorID: w.c.ID, DebtorID: w.debtor.ID, Number: fmt.Sprintf("G-%d", i),
			InvoiceID: &id, AmountMinor: inv.TotalMinor, Currency: "EUR", IssueDate: day("2026-11-25")}); err != nil {
			t.Fatal(err)
		}
	}
	w.now = wall("2026-12-05 09:00")
	w.lifecycle(t, promises.Outcome{Cancelled: 1})
	if s := w.status(t, p.ID); s != store.PromiseCancelled {
		t.Errorf("promise %s, want cancelled", s)
	}
	if n := w.count(t, `SELECT count(*) FROM interactions WHERE kind = 'promise.cancelled' AND visibility = 'internal'`); n != 1 {
		t.Errorf("%d internal promise.cancelled entries", n)
	}
	if n := w.count(t, `SELECT count(*) FROM events WHERE type = 'promise.broken'`); n != 0 {
		t.Errorf("%d promise.broken events", n)
	}
}

// A promise made on the phone (internal/backoffice) follows the same
// lifecycle.
func TestPhonePromiseFollowsTheLifecycle(t *testing.T) {
	w := setup(t)
	p := &store.Promise{CreditorID: w.c.ID, DebtorID: w.debtor.ID, AmountMinor: 4500, Currency: "EUR",
		DueDate: day("2026-12-03"), Source: "call", CreatedAt: w.now}
	if err := w.st.CreatePromise(w.ctx, p); err != nil {
		t.Fatal(err)
	}
	w.now = wall("2026-12-02 09:00")
	w.lifecycle(t, promises.Outcome{Reminded: 1})
	w.now = wall("2026-12-05 09:00")
	w.lifecycle(t, promises.Outcome{Broken: 1})
}

// Every message the lifecycle sends has its texts in every language.
func TestPromiseMessagesTranslated(t *testing.T) {
	cat := i18n.MustLoad()
	for _, name := range []string{"promise.reminder"} {
		for _, key := range portal.NotifyKeys(name) {
			for _, l := range i18n.Languages {
				if !cat.Locale(l).Has(key) {
					t.Errorf("%s: no %q", l, key)
				}
			}
		}
	}
	for _, k := range []string{promises.KindMade, promises.KindReminded, promises.KindKept, promises.KindBroken} {
		for _, l := range i18n.Languages {
			if !cat.Locale(l).Has("history."+k) || !cat.Locale(l).Has("staff.timeline."+k) {
				t.Errorf("%s: %s has no history or staff text", l, k)
			}
		}
	}
}
