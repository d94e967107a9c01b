package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lib/pq"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/billing"
	"github.com/settle/settle/internal/checkout"
	"github.com/settle/settle/internal/hooks"
	"github.com/settle/settle/internal/jobs"
	"github.com/settle/settle/internal/payments"
	"github.com/settle/settle/internal/payments/molliesim"
	"github.com/settle/settle/internal/plans"
)

// roundTripFunc is an http.RoundTripper made of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestCreditorDownAnHourMollieFaulty is issue 10's fault proof: for an
// hour (on the harness clock) the creditor's webhook endpoint answers 503
// or lets the request time out, while debtors pay and Mollie misbehaves:
// 40 % of its API calls fail (500), answer slowly with a 503, time out
// or lose their answer, another 10 % are slow but in time, and half of
// its webhooks never arrive. Then the endpoint comes back. The job queue runs on the same
// clock (due jobs only, outcomes booked as the runner books them), and
// the reconciler runs every minute as settle's does.
//
// Nothing is lost: every payment a debtor paid at Mollie is paid for
// Settle (the reconciler finds those whose webhook was dropped), every
// Mollie payment is one payment of ours in the same state. Nothing is
// duplicated: each is booked once, and every event reaches the endpoint
// exactly once with a 2xx, after failed attempts with the same
// webhook-id and body.
func TestCreditorDownAnHourMollieFaulty(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	rng := rand.New(rand.NewPCG(10, 1))
	var rngMu sync.Mutex
	roll := func(n int) int {
		rngMu.Lock()
		defer rngMu.Unlock()
		return rng.IntN(n)
	}

	// Mollie: faults on 40 % of the API calls; webhooks reach our
	// handler in process, or are dropped (and Mollie does not retry).
	var faults, dropped, webhooks atomic.Int64
	var lostMu sync.Mutex
	lost := map[string]bool{} // Mollie payments whose webhook was dropped
	var sim *molliesim.Simulator
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { sim.Handler().ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	toSettle := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if roll(2) == 0 {
			dropped.Add(1)
			body, _ := io.ReadAll(r.Body)
			form, _ := url.ParseQuery(string(body))
			lostMu.Lock()
			lost[form.Get("id")] = true
			lostMu.Unlock()
			return nil, errors.New("webhook lost on the way")
		}
		webhooks.Add(1)
		in := httptest.NewRequest(r.Method, r.URL.String(), r.Body)
		in.Header = r.Header.Clone()
		rec := httptest.NewRecorder()
		h.h.ServeHTTP(rec, in)
		return rec.Result(), nil
	})
	sim = molliesim.New(molliesim.Options{BaseURL: srv.URL + "/", WebhookRetries: []time.Duration{}, Now: h.clock.Now,
		Client: &http.Client{Transport: toSettle}})
	t.Cleanup(func() { sim.Close() })
	sim.SetFault(func(r *http.Request) (int, time.Duration, bool) {
		switch x := roll(10); {
		case x < 1:
			faults.Add(1)
			return http.StatusInternalServerError, 0, false
		case x < 2:
			faults.Add(1)
			return http.StatusServiceUnavailable, 100 * time.Millisecond, false // slow, then an error
		case x < 3:
			faults.Add(1)
			return 0, time.Second, false // longer than our client waits
		case x < 4:
			faults.Add(1)
			return 0, 0, true // done, but the answer is lost
		case x < 5:
			return 0, 150 * time.Millisecond, false // slow, but in time
		}
		return 0, 0, false
	})
	client, err := payments.NewClient(sim.BaseURL(), 300*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(srv.URL)
	pl := &plans.Service{Store: h.st, Portal: h.portal, Now: h.clock.Now}
	ck := &checkout.Service{Store: h.st, Billing: &billing.Service{Store: h.st, Now: h.clock.Now, Plans: pl}, Mollie: client,
		FallbackKey: "test_settle", BaseURL: testBase, CheckoutHosts: []string{u.Host}, Log: h.log, Now: h.clock.Now}
	h.srv = NewServer(Config{Store: h.st, Portal: h.portal, Billing: ck.Billing, Checkout: ck, Catalog: h.cat,
		Log: h.log, SessionKeys: h.keys, Now: h.clock.Now, Staff: h.staff, Plans: pl})
	h.h = h.srv.Handler()

	// The creditor's endpoint: down (503s and requests left hanging past
	// our timeout) until the test brings it back.
	type call struct {
		header, bodyID string
		body           string
		status         int // 0: left hanging
	}
	var rmu sync.Mutex
	var calls []call
	var down atomic.Bool
	down.Store(true)
	var secret string
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var ev struct {
			ID string `json:"id"`
		}
		json.Unmarshal(body, &ev)
		c := call{header: r.Header.Get("webhook-id"), bodyID: ev.ID, body: string(body), status: http.StatusNoContent}
		// (webhook-timestamp is on the harness clock, hours off the real one)
		if wh, err := standardwebhooks.NewWebhook(secret); err != nil || wh.VerifyIgnoringTimestamp(body, r.Header) != nil {
			t.Errorf("delivery of %s: signature does not verify", ev.ID)
		}
		if down.Load() {
			c.status = http.StatusServiceUnavailable
			if roll(2) == 0 {
				c.status = 0
			}
		}
		rmu.Lock()
		calls = append(calls, c)
		rmu.Unlock()
		if c.status == 0 {
			select { // past the deliverer's timeout
			case <-r.Context().Done():
			case <-time.After(2 * time.Second):
			}
			return
		}
		w.WriteHeader(c.status)
	}))
	t.Cleanup(rcv.Close)
	hs := &hooks.Service{DB: h.db, Log: h.log, AllowPrivate: true, Now: h.clock.Now,
		Client: &http.Client{Timeout: 100 * time.Millisecond,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	var firstEvent int64
	h.db.Get(&firstEvent, `SELECT coalesce(max(id), 0) FROM events`)
	if _, secret, err = hs.AddEndpoint(h.ctx, h.a.ID, rcv.URL+"/hooks", nil); err != nil {
		t.Fatal(err)
	}

	// The job queue on the harness clock: every pending job whose run_at
	// has come (new jobs at once) runs, and its outcome is booked as the
	// runner books it.
	handlers := hs.Handlers()
	handlers["mollie.webhook"] = func(ctx context.Context, job *jobs.Job) error { // as settle registers it
		var p struct {
			ProviderID string `json:"provider_id"`
		}
		if err := json.Unmarshal(job.Payload, &p); err != nil {
			return jobs.Permanent(err)
		}
		if err := ck.SyncProviderID(ctx, p.ProviderID); !errors.Is(err, checkout.ErrUnknown) {
			return err
		}
		return nil
	}
	kinds := []string{hooks.KindDispatch, hooks.KindDeliver, "mollie.webhook"}
	runDue := func() {
		t.Helper()
		for {
			var due []jobs.Job
			if err := h.db.Select(&due, `SELECT id, kind, payload, attempts + 1 AS attempts, max_attempts, created_at FROM jobs
				WHERE state = 'pending' AND kind = ANY($1) AND (attempts = 0 OR run_at <= $2) ORDER BY id`,
				pq.Array(kinds), h.clock.Now()); err != nil {
				t.Fatal(err)
			}
			if len(due) == 0 {
				return
			}
			for _, j := range due {
				err := handlers[j.Kind](h.ctx, &j)
				var retry *jobs.RetryAtError
				var perm *jobs.PermanentError
				q, args := `UPDATE jobs SET state = 'done', attempts = $2, finished_at = now() WHERE id = $1`, []any{j.ID, j.Attempt}
				switch {
				case err == nil:
				case errors.As(err, &perm) || j.Attempt >= j.MaxAttempts:
					q = `UPDATE jobs SET state = 'dead', attempts = $2, last_error = $3, finished_at = now() WHERE id = $1`
					args = append(args, err.Error())
				case errors.As(err, &retry):
					q = `UPDATE jobs SET attempts = $2, last_error = $3, run_at = $4 WHERE id = $1`
					args = append(args, err.Error(), retry.At)
				default: // the runner's backoff: 2^attempt seconds
					q = `UPDATE jobs SET attempts = $2, last_error = $3, run_at = $4 WHERE id = $1`
					args = append(args, err.Error(), h.clock.Now().Add(time.Duration(1<<min(j.Attempt, 12))*time.Second))
				}
				if _, err := h.db.Exec(q, args...); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	reconcile := func() {
		t.Helper()
		if _, err := ck.Reconcile(h.ctx, 100); err != nil {
			t.Fatal(err)
		}
	}

	// Debtors of creditor A, each with an invoice of its own; alice and
	// bob too.
	debtors := []*ar.Debtor{h.alice, h.bob}
	for i := range 10 {
		d := h.createDebtor(&ar.Debtor{CreditorID: h.a.ID, CustomerNumber: fmt.Sprintf("OUT-%d", i),
			Name: fmt.Sprintf("Debtor %d", i), Postcode: "10115"})
		h.addInvoice(h.a, d, fmt.Sprintf("O-%d", i), "Abschlag", "2026-11-01", "2026-11-15",
			[]lineSpec{{"Abschlag Strom", 1000, 4000 + int64(i)*100, 1900}}, 0)
		debtors = append(debtors, d)
	}
	paid := map[string]*ar.Debtor{} // Mollie payment id → debtor
	refused := 0                    // starts that Mollie's faults turned into an error page
	pay := func(d *ar.Debtor, amount string) {
		t.Helper()
		c := h.steppedUp(d)
		for try := 1; ; try++ {
			res := c.post("/account/payments", url.Values{"amount": {amount}})
			if res.StatusCode == http.StatusSeeOther {
				loc := res.Header.Get("Location")
				id := loc[strings.LastIndex(loc, "/")+1:]
				if err := sim.SetStatus(id, "paid"); err != nil { // the debtor pays on Mollie's page
					t.Fatal(err)
				}
				paid[id] = d
				return
			}
			msg := h.de().T("error.pay.provider")
			if d.Language == "en" {
				msg = h.en().T("error.pay.provider")
			}
			if res.StatusCode != http.StatusConflict || !contains(res.html(t).text(), msg) {
				t.Fatalf("%s pays: %d", d.Name, res.StatusCode)
			}
			refused++
			if try == 20 {
				t.Fatalf("%s could not start a payment in 20 tries", d.Name)
			}
		}
	}

	// The hour: a debtor pays every five minutes, the queue and the
	// reconciler run every minute, the endpoint is down.
	start := h.clock.Now()
	for minute := 0; minute < 60; minute++ {
		if minute%5 == 0 {
			pay(debtors[minute/5], "20,00")
		}
		runDue()
		reconcile()
		h.clock.Advance(time.Minute)
	}
	var held struct {
		All      int `db:"all"`
		Tried    int `db:"tried"`
		Attempts int `db:"attempts"`
	}
	h.db.Get(&held, `SELECT count(*) AS all, count(*) FILTER (WHERE state = 'pending' AND attempts > 0) AS tried,
		coalesce(sum(attempts), 0) AS attempts FROM webhook_deliveries WHERE creditor_id = $1`, h.a.ID)
	if held.All == 0 || held.Tried != held.All || held.Attempts < 2*held.All {
		t.Fatalf("after the hour: %d deliveries, %d pending after failed attempts, %d attempts; the outage did not hold them back",
			held.All, held.Tried, held.Attempts)
	}

	// The endpoint is back; Mollie still misbehaves. The retry schedule
	// runs its course.
	down.Store(false)
	for h.clock.Now().Sub(start) < 6*time.Hour {
		h.clock.Advance(5 * time.Minute)
		runDue()
		reconcile()
		var busy, unsettled int
		h.db.Get(&busy, `SELECT count(*) FROM jobs WHERE state IN ('pending', 'running') AND kind = ANY($1)`, pq.Array(kinds))
		h.db.Get(&unsettled, `SELECT count(*) FROM payments WHERE creditor_id = $1 AND status IN ('open', 'pending')`, h.a.ID)
		if busy == 0 && unsettled == 0 {
			break
		}
	}
	t.Logf("after the hour: %d deliveries held back after %d failed attempts", held.All, held.Attempts)
	t.Logf("settled %v after the outage began; Mollie: %d API faults (%d payment starts refused), %d webhooks dropped, %d delivered; endpoint: %d calls",
		h.clock.Now().Sub(start), faults.Load(), refused, dropped.Load(), webhooks.Load(), len(calls))
	if dropped.Load() == 0 || faults.Load() == 0 {
		t.Fatalf("no faults injected: %d API faults, %d webhooks dropped", faults.Load(), dropped.Load())
	}

	// Nothing lost: every Mollie payment is one payment of ours in the
	// same state; what the debtors paid is paid and booked once.
	type row struct {
		PublicID string `db:"public_id"`
		Status   string `db:"status"`
		Amount   int64  `db:"amount_minor"`
		Debtor   int64  `db:"debtor_id"`
		Booked   int64  `db:"booked"`
		Events   int    `db:"events"`
	}
	ours := map[string][]row{}
	givenUp := 0
	for _, mp := range sim.Payments() {
		var rs []row
		if err := h.db.Select(&rs, `SELECT p.public_id, p.status, p.amount_minor, p.debtor_id,
			coalesce((SELECT -sum(amount_minor) FROM ledger_entries l WHERE l.payment_id = p.id), 0) AS booked,
			(SELECT count(*) FROM events e WHERE e.type = 'payment.paid' AND e.data->>'payment_id' = p.public_id) AS events
			FROM payments p WHERE p.provider = 'mollie' AND p.provider_id = $1`, mp.ID); err != nil {
			t.Fatal(err)
		}
		ours[mp.ID] = rs
		if len(rs) == 0 && mp.Status != "paid" && mp.PaidAt.IsZero() {
			// Mollie made it but every answer was lost, and the reconciler
			// gave up asking after 50 minutes (Mollie forgets the
			// Idempotency-Key after an hour): our row is failed, the debtor
			// never saw its checkout, and it expired unpaid.
			givenUp++
			continue
		}
		if len(rs) != 1 {
			t.Errorf("Mollie payment %s (%s) is %d payments of ours", mp.ID, mp.Status, len(rs))
			continue
		}
		r := rs[0]
		if r.Status != mp.Status {
			t.Errorf("Mollie payment %s is %s, ours %s is %s", mp.ID, mp.Status, r.PublicID, r.Status)
		}
		wantBooked, wantEvents := int64(0), 0
		if mp.Status == "paid" {
			wantBooked, wantEvents = r.Amount, 1
		}
		if r.Booked != wantBooked || r.Events != wantEvents {
			t.Errorf("payment %s (%s): booked %d with %d payment.paid events, want %d and %d", r.PublicID, r.Status,
				r.Booked, r.Events, wantBooked, wantEvents)
		}
	}
	recovered := 0
	for id, d := range paid {
		if rs := ours[id]; len(rs) != 1 || rs[0].Status != "paid" || rs[0].Debtor != d.ID {
			t.Errorf("%s paid %s at Mollie; ours: %+v", d.Name, id, rs)
		} else if lost[id] {
			recovered++ // only the reconciler can have found it
		}
	}
	if recovered == 0 {
		t.Error("no paid payment had its webhook dropped: the reconciler was not put to the test")
	}
	if len(paid) != 12 {
		t.Errorf("%d debtors paid, want 12", len(paid))
	}
	if n := h.queryInt(`SELECT count(*) FROM payments WHERE creditor_id = $1 AND provider = 'mollie'
		AND (status IN ('open', 'pending') OR (provider_id IS NULL AND status <> 'failed'))`, h.a.ID); n != 0 {
		t.Errorf("%d payments still unsettled or without Mollie id", n)
	}
	if n := h.queryInt(`SELECT count(*) FROM payments WHERE creditor_id = $1 AND provider = 'mollie' AND provider_id IS NULL`, h.a.ID); n < givenUp {
		t.Errorf("%d Mollie payments unknown to us, but only %d payments of ours without a Mollie id", givenUp, n)
	}
	// Every ledger balances: the sum of its entries is what its invoices
	// have open (no payment landed twice as a credit).
	for _, d := range debtors {
		var balance int64
		h.db.Get(&balance, `SELECT coalesce(sum(amount_minor), 0) FROM ledger_entries WHERE creditor_id = $1 AND debtor_id = $2`, h.a.ID, d.ID)
		invs, err := h.st.Invoices(h.ctx, h.a.ID, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		var open int64
		for _, inv := range invs {
			open += inv.OpenMinor
		}
		if balance != open {
			t.Errorf("%s: ledger %d, invoices open %d", d.Name, balance, open)
		}
	}

	// Nothing duplicated: every event reached the endpoint exactly once
	// with a 2xx, after failures with the same webhook-id and body.
	var events []string
	h.db.Select(&events, `SELECT public_id FROM events WHERE creditor_id = $1 AND id > $2`, h.a.ID, firstEvent)
	rmu.Lock()
	defer rmu.Unlock()
	byID := map[string][]call{}
	for _, c := range calls {
		if c.header != c.bodyID {
			t.Errorf("webhook-id %q for event %q", c.header, c.bodyID)
		}
		byID[c.bodyID] = append(byID[c.bodyID], c)
	}
	retried := 0
	for _, id := range events {
		cs := byID[id]
		ok := 0
		for i, c := range cs {
			if c.body != cs[0].body {
				t.Errorf("event %s: attempt %d has another body", id, i+1)
			}
			if c.status >= 200 && c.status < 300 {
				ok++
				if i != len(cs)-1 {
					t.Errorf("event %s: attempt %d succeeded, yet it was sent again", id, i+1)
				}
			}
		}
		if ok != 1 {
			t.Errorf("event %s reached the endpoint %d times (of %d calls), want once", id, ok, len(cs))
		}
		if len(cs) > 1 {
			retried++
		}
		delete(byID, id)
	}
	for id := range byID {
		t.Errorf("the endpoint got %s, which is no event of creditor A's", id)
	}
	if retried == 0 || len(events) < 2*len(paid) {
		t.Errorf("%d events, %d of them retried", len(events), retried)
	}
	if n := h.queryInt(`SELECT count(*) FROM webhook_deliveries WHERE creditor_id = $1 AND state <> 'delivered'`, h.a.ID); n != 0 {
		t.Errorf("%d deliveries not delivered", n)
	}
	t.Logf("%d payments paid (%d found by the reconciler after their webhook was dropped), %d Mollie payments (%d unpaid ones whose creation never reached us); %d events delivered, %d after failed attempts",
		len(paid), recovered, len(ours), givenUp, len(events), retried)
}
