package autopay_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/autopay"
	"github.com/settle/settle/internal/billing"
	"github.com/settle/settle/internal/checkout"
	"github.com/settle/settle/internal/i18n"
	"github.com/settle/settle/internal/payments"
	"github.com/settle/settle/internal/payments/molliesim"
	"github.com/settle/settle/internal/plans"
	"github.com/settle/settle/internal/portal"
	"github.com/settle/settle/internal/store"
	"github.com/settle/settle/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// clock is the injected clock of the services and the simulator; tests
// move it, never sleep.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var berlin, _ = time.LoadLocation("Europe/Berlin")

// at is a wall-clock time in Berlin (the creditor's zone).
func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, berlin)
	if err != nil {
		panic(err)
	}
	return t
}

func day(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }

// env is one test's world: a creditor with a debtor and two invoices, the
// Mollie simulator over real HTTP, and the services wired as in settle.
type env struct {
	t     *testing.T
	ctx   context.Context
	st    *store.Store
	clock *clock
	sim   *molliesim.Simulator
	ck    *checkout.Service
	ap    *autopay.Service
	pl    *plans.Service
	c     *ar.Creditor
	d     *ar.Debtor
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, ctx: context.Background(), st: store.New(testdb.New(t)), clock: &clock{t: at("2026-03-02 10:00")}}
	var sim *molliesim.Simulator
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { sim.Handler().ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	sim = molliesim.New(molliesim.Options{BaseURL: srv.URL + "/", WebhookRetries: []time.Duration{}, Now: e.clock.Now})
	sim.DropWebhooks(true) // the tests sync by hand
	t.Cleanup(func() { sim.Close() })
	e.sim = sim
	client, err := payments.NewClient(sim.BaseURL(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(srv.URL)
	log := slog.New(slog.DiscardHandler)
	pt := &portal.Service{Store: e.st, Text: i18n.MustLoad(), Log: log, BaseURL: "http://settle.test", Now: e.clock.Now}
	e.pl = &plans.Service{Store: e.st, Portal: pt, Now: e.clock.Now}
	e.ck = &checkout.Service{Store: e.st, Billing: &billing.Service{Store: e.st, Now: e.clock.Now, Plans: e.pl}, Mollie: client,
		FallbackKey: "test_autopay", BaseURL: "http://settle.test", CheckoutHosts: []string{u.Host}, Log: log, Now: e.clock.Now}
	e.ap = &autopay.Service{Store: e.st, Checkout: e.ck, Log: log, Now: e.clock.Now}
	e.ck.Autopay = e.ap

	id, err := e.st.CreateCreditor(e.ctx, store.NewCreditor{Creditor: ar.Creditor{Slug: "nordwind", Name: "Nordwind",
		PrimaryColor: "#123456", AccentColor: "#654321", DefaultLanguage: "de", Timezone: "Europe/Berlin",
		Currency: "EUR", StepUp: ar.StepUpNone, StepUpKnowledge: ar.KnowPostcode}})
	if err != nil {
		t.Fatal(err)
	}
	e.c, _ = e.st.Creditor(e.ctx, id)
	e.d = &ar.Debtor{CreditorID: id, CustomerNumber: "10001", Name: "Jana Schulz", Email: "jana@example.org"}
	if e.d.ID, err = e.st.UpsertDebtor(e.ctx, e.d); err != nil {
		t.Fatal(err)
	}
	for i, gross := range []int64{30000, 30000} {
		if err := e.st.CreateInvoice(e.ctx, &ar.Invoice{CreditorID: id, DebtorID: e.d.ID, Number: fmt.Sprintf("R-%d", i+1),
			IssueDate: day("2026-01-15"), DueDate: day("2026-02-01"), Currency: "EUR", NetMinor: gross, TotalMinor: gross}); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// plan makes an active plan over both invoices: three instalments of
// 200 € due on 2 March, 1 April and 1 May 2026.
func (e *env) plan() *store.Plan {
	e.t.Helper()
	invs, err := e.st.Invoices(e.ctx, e.c.ID, e.d.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	held := map[int64]int64{}
	for _, inv := range invs {
		held[inv.ID] = inv.OpenMinor
	}
	dayOfMonth := 1
	p := &store.Plan{PublicID: ar.NewPublicID("plan"), CreditorID: e.c.ID, DebtorID: e.d.ID, Kind: ar.PlanInstalments,
		Status: ar.PlanActive, PrincipalMinor: 60000, TotalMinor: 60000, Currency: "EUR", Day: &dayOfMonth}
	if err := e.st.CreatePlan(e.ctx, p, held, []ar.Instalment{
		{Seq: 1, DueDate: day("2026-03-02"), AmountMinor: 20000},
		{Seq: 2, DueDate: day("2026-04-01"), AmountMinor: 20000},
		{Seq: 3, DueDate: day("2026-05-01"), AmountMinor: 20000}}); err != nil {
		e.t.Fatal(err)
	}
	return p
}

// autopay sets autopay up for a plan and pays the first payment at the
// checkout: the mandate is valid and autopay on afterwards.
func (e *env) autopay(p *store.Plan) *autopay.Started {
	e.t.Helper()
	started, err := e.ap.SetUp(e.ctx, e.c, e.d, p.PublicID, "de")
	if err != nil {
		e.t.Fatal(err)
	}
	if started.Payment == nil {
		return started
	}
	if err := e.sim.SetStatus(*started.Payment.ProviderID, "paid"); err != nil {
		e.t.Fatal(err)
	}
	if err := e.ck.SyncProviderID(e.ctx, *started.Payment.ProviderID); err != nil {
		e.t.Fatal(err)
	}
	return started
}

// chargeJobs are the payment ids of every autopay.charge job.
func (e *env) chargeJobs() []int64 {
	e.t.Helper()
	var raw []json.RawMessage
	if err := e.st.DB().Select(&raw, `SELECT payload FROM jobs WHERE kind = 'autopay.charge' ORDER BY id`); err != nil {
		e.t.Fatal(err)
	}
	var ids []int64
	for _, r := range raw {
		var p struct {
			PaymentID int64 `json:"payment_id"`
		}
		json.Unmarshal(r, &p)
		ids = append(ids, p.PaymentID)
	}
	return ids
}

// runCharges does what the charge jobs do (every one of them, again:
// they are idempotent).
func (e *env) runCharges() {
	e.t.Helper()
	for _, id := range e.chargeJobs() {
		if err := e.ap.Charge(e.ctx, id, false); err != nil {
			e.t.Fatalf("charge %d: %v", id, err)
		}
	}
}

// chargeDue runs the charge scan and wants n charges placed.
func (e *env) chargeDue(want int) {
	e.t.Helper()
	n, err := e.ap.ChargeDue(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	if n != want {
		e.t.Fatalf("%s: %d charges placed, want %d", e.clock.Now().In(berlin).Format("2006-01-02 15:04"), n, want)
	}
}

// recurring are the simulator's recurring payments (what Mollie
// charged or will charge).
func (e *env) recurring() []molliesim.Payment {
	var out []molliesim.Payment
	for _, p := range e.sim.Payments() {
		if p.SequenceType == "recurring" {
			out = append(out, p)
		}
	}
	return out
}

func (e *env) count(q string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.st.DB().Get(&n, q, args...); err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
	return n
}

// paid is what is paid of an instalment.
func (e *env) paid(p *store.Plan, seq int) int64 {
	e.t.Helper()
	ins, err := e.st.PlanInstalments(e.ctx, p.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, in := range ins {
		if in.Seq == seq {
			return in.PaidMinor
		}
	}
	e.t.Fatalf("no instalment %d", seq)
	return 0
}

func (e *env) reload(p *store.Plan) *store.Plan {
	e.t.Helper()
	got, err := e.st.Plan(e.ctx, e.c.ID, e.d.ID, p.ID, false)
	if err != nil {
		e.t.Fatal(err)
	}
	return got
}

// charge returns our recurring charge row of an instalment.
func (e *env) charge(p *store.Plan, seq int) *store.Payment {
	e.t.Helper()
	list, err := e.st.PlanPayments(e.ctx, p.ID, "recurring")
	if err != nil {
		e.t.Fatal(err)
	}
	for i := range list {
		if list[i].InstalmentSeq != nil && *list[i].InstalmentSeq == seq {
			return &list[i]
		}
	}
	e.t.Fatalf("no charge for instalment %d", seq)
	return nil
}

func (e *env) interactions(kind string) int {
	e.t.Helper()
	return e.count(`SELECT count(*) FROM interactions WHERE debtor_id = $1 AND kind = $2`, e.d.ID, kind)
}
