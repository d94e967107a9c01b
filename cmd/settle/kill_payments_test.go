package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/billing"
	"github.com/settle/settle/internal/checkout"
	"github.com/settle/settle/internal/hooks"
	"github.com/settle/settle/internal/payments"
	"github.com/settle/settle/internal/payments/molliesim"
	"github.com/settle/settle/internal/portal"
	"github.com/settle/settle/internal/store"
	"github.com/settle/settle/internal/testdb"
)

// TestKill9During1000Payments is issue 10's crash test: 1,000 payments
// run against settle (a separate process) while the test kills it with
// SIGKILL at random moments and starts it again on the same database.
// Half are debtors paying in the portal (magic link, POST
// /account/payments, the Mollie checkout, Mollie's webhook), half are the
// creditor's billing system reporting payments through POST
// /api/v1/payments with an Idempotency-Key. Mollie (the simulator) and
// the creditor's webhook receiver live in this test process, so they
// outlive every settle. Clients retry what a crash cut off, as real ones
// would: the portal debtor presses the button again, the billing system
// resends the request with the same Idempotency-Key.
//
// Afterwards the reconciler runs (the payments whose Mollie webhook was
// lost while settle was dead) and the queue drains. Then: every payment
// is recorded exactly once (per Mollie payment id and per idempotency
// key), every debtor's ledger is what was invoiced minus what was paid,
// and every event in the events table reached the receiver at least once
// with its stable webhook-id, and the receiver saw nothing else.
//
// The kill moments come from a seeded generator; the seed is logged, and
// SETTLE_KILL_SEED=n replays a run.
func TestKill9During1000Payments(t *testing.T) {
	const (
		portalPayers = 500 // debtors paying one invoice each in the portal
		apiDebtors   = 100 // debtors whose payments the billing system reports …
		apiEach      = 5   // … five each
		clients      = 16  // concurrent clients
	)
	total := portalPayers + apiDebtors*apiEach
	seed := time.Now().UnixNano()
	if s := os.Getenv("SETTLE_KILL_SEED"); s != "" {
		seed, _ = strconv.ParseInt(s, 10, 64)
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0))
	t.Logf("seed %d (SETTLE_KILL_SEED=%d replays the kill moments)", seed, seed)
	began := time.Now()

	dbURL := testdb.NewURL(t)
	db, err := sqlx.Open("postgres", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st := store.New(db)
	ctx := context.Background()

	// settle's address, fixed across restarts (Mollie keeps the webhook URL).
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	base := "http://" + addr

	// Mollie, in this process.
	var sim *molliesim.Simulator
	simSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { sim.Handler().ServeHTTP(w, r) }))
	defer simSrv.Close()
	// Harsher than Mollie (which retries webhooks for a day): a webhook
	// that finds settle dead is lost, and only the reconciler can learn
	// that the payment was paid.
	sim = molliesim.New(molliesim.Options{BaseURL: simSrv.URL + "/", WebhookRetries: []time.Duration{}})
	defer sim.Close()

	// The creditor, its webhook endpoint, API key and debtors.
	cid, err := st.CreateCreditor(ctx, store.NewCreditor{Creditor: ar.Creditor{Slug: "crash", Name: "Crash Test",
		PrimaryColor: "#123456", AccentColor: "#654321", DefaultLanguage: "de", Timezone: "Europe/Berlin",
		Currency: "EUR", StepUp: ar.StepUpNone, StepUpKnowledge: ar.KnowPostcode}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := st.Creditor(ctx, cid)
	if err != nil {
		t.Fatal(err)
	}
	rc := newReceiver(t)
	t.Setenv("SETTLE_WEBHOOK_ALLOW_PRIVATE", "true")
	if _, rc.secret, err = (&hooks.Service{DB: db, AllowPrivate: true}).AddEndpoint(ctx, cid, rc.srv.URL+"/hooks", nil); err != nil {
		t.Fatal(err)
	}
	apiKey, prefix, hash := ar.NewAPIKey()
	if err := st.CreateAPIKey(ctx, &ar.APIKey{CreditorID: cid, Prefix: prefix, KeyHash: hash}); err != nil {
		t.Fatal(err)
	}
	today := c.Today(time.Now())
	type debtor = killDebtor
	seq := 0
	addDebtor := func(number string, amount int64) *debtor {
		d := &debtor{seq: seq, number: number, invoice: amount}
		seq++
		if d.id, err = st.UpsertDebtor(ctx, &ar.Debtor{CreditorID: cid, CustomerNumber: number, Name: "Debtor " + number, Language: "de"}); err != nil {
			t.Fatal(err)
		}
		if err := st.CreateInvoice(ctx, &ar.Invoice{CreditorID: cid, DebtorID: d.id, Number: "R-" + number,
			IssueDate: today.AddDate(0, -1, 0), DueDate: today.AddDate(0, 0, -7), Currency: "EUR",
			NetMinor: amount, TotalMinor: amount}); err != nil {
			t.Fatal(err)
		}
		return d
	}
	pt := &portal.Service{Store: st, BaseURL: base}
	var portalDebtors, apiDebtorList []*debtor
	for i := range portalPayers {
		d := addDebtor(fmt.Sprintf("P%04d", i), 1000+int64(i))
		if d.token, _, err = pt.IssueLink(ctx, c, d.id, "email"); err != nil {
			t.Fatal(err)
		}
		portalDebtors = append(portalDebtors, d)
	}
	for i := range apiDebtors {
		apiDebtorList = append(apiDebtorList, addDebtor(fmt.Sprintf("A%04d", i), apiEach*2000))
	}
	t.Logf("setup: %d debtors in %v", portalPayers+apiDebtors, time.Since(began).Round(time.Millisecond))
	runStart := time.Now()

	// settle, as its own process, on the same database every time.
	dataDir := t.TempDir()
	logs := &syncBuffer{} // every settle's log, JSON lines
	start := func() (*exec.Cmd, error) {
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "MOLLIE_API_KEY=test_crash", "MOLLIE_API_URL="+sim.BaseURL(),
			"SETTLE_BASE_URL="+base, "SETTLE_TEST_AS_PROGRAM=serve --no-demo --log-format json --data-dir "+dataDir+" --addr "+addr)
		cmd.Stdout, cmd.Stderr = io.Discard, logs
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if res, err := http.Get(base + "/healthz"); err == nil {
				res.Body.Close()
				if res.StatusCode == http.StatusOK {
					return cmd, nil
				}
			}
		}
		cmd.Process.Kill()
		cmd.Wait()
		return nil, errors.New("settle did not start within 30 s")
	}
	var procMu sync.Mutex
	proc, err := start()
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		procMu.Lock()
		defer procMu.Unlock()
		if proc != nil {
			proc.Process.Signal(syscall.SIGTERM)
			proc.Wait()
		}
	}()

	// The payments, shuffled so that portal and API traffic interleave.
	type job struct {
		portal *debtor
		api    *debtor
		key    string // Idempotency-Key and external_id of an API payment
		amount int64
		think  time.Duration // the debtor on Mollie's checkout page
	}
	var work []job
	for _, d := range portalDebtors {
		work = append(work, job{portal: d, amount: d.invoice, think: time.Duration(rng.IntN(400)) * time.Millisecond})
	}
	for i, d := range apiDebtorList {
		for k := range apiEach {
			work = append(work, job{api: d, key: fmt.Sprintf("bill-%03d-%d", i, k), amount: 1500 + int64(k)*100})
		}
	}
	rng.Shuffle(len(work), func(i, j int) { work[i], work[j] = work[j], work[i] })

	// The kills: at random points of the run (by payments done), each a
	// random few milliseconds later.
	kills := 3 + rng.IntN(3)
	var at []int
	for range kills {
		at = append(at, total/20+rng.IntN(total*17/20))
	}
	slices.Sort(at)
	var done atomic.Int64
	stopKiller := make(chan struct{})
	killerDone := make(chan struct{})
	var killLog []string
	go func() {
		defer close(killerDone)
		for i, n := range at {
			for done.Load() < int64(n) {
				select {
				case <-stopKiller:
					return
				case <-time.After(5 * time.Millisecond):
				}
			}
			time.Sleep(time.Duration(rng.IntN(300)) * time.Millisecond)
			procMu.Lock()
			proc.Process.Signal(syscall.SIGKILL)
			proc.Wait()
			killedAt := done.Load()
			// A statement the dead process had sent still runs to its end
			// (a job claim commits): wait until its server processes are
			// done. Then its claims on jobs, which would be reaped once
			// their lease (a minute) runs out, are moved back in time
			// instead of waiting. Only one settle runs, so every running
			// job was the dead one's.
			settled := time.Now()
			for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
				var busy int
				db.Get(&busy, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
					AND backend_type = 'client backend' AND pid <> pg_backend_pid() AND state <> 'idle'`)
				if busy == 0 {
					break
				}
			}
			settledIn := time.Since(settled).Round(time.Millisecond)
			if _, err := db.Exec(`UPDATE jobs SET locked_at = locked_at - interval '1 hour' WHERE state = 'running'`); err != nil {
				t.Error(err)
			}
			// settle stays dead for a moment (its supervisor restarts it).
			down := time.Duration(200+rng.IntN(1300)) * time.Millisecond
			time.Sleep(down)
			t0 := time.Now()
			var err error
			proc, err = start()
			procMu.Unlock()
			if err != nil {
				t.Errorf("restart after kill %d: %v", i+1, err)
				return
			}
			killLog = append(killLog, fmt.Sprintf("kill %d at %d payments done (planned %d), its statements ended in %v, dead for %v, then up in %v",
				i+1, killedAt, n, settledIn, down, time.Since(t0).Round(time.Millisecond)))
		}
	}()

	// The clients.
	var mu sync.Mutex
	paidAtMollie := map[string]*debtor{} // Mollie payment id → debtor
	apiIDs := map[string]string{}        // idempotency key → our payment id
	var retries, inFlight atomic.Int64
	queue := make(chan job)
	var wg sync.WaitGroup
	failed := make(chan string, total)
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range queue {
				var err error
				if j.portal != nil {
					var trID string
					trID, err = payInPortal(base, j.portal, j.amount, &retries)
					if err == nil {
						time.Sleep(j.think)
						err = sim.SetStatus(trID, "paid") // the debtor pays on Mollie's page
					}
					if err == nil {
						mu.Lock()
						paidAtMollie[trID] = j.portal
						mu.Unlock()
					}
				} else {
					var id string
					id, err = reportPayment(base, apiKey, j.api.number, j.key, j.amount, today.Format("2006-01-02"), &retries, &inFlight)
					if err == nil {
						mu.Lock()
						apiIDs[j.key] = id
						mu.Unlock()
					}
				}
				if err != nil {
					failed <- err.Error()
				}
				done.Add(1)
			}
		}()
	}
	for _, j := range work {
		queue <- j
	}
	close(queue)
	wg.Wait()
	close(stopKiller)
	<-killerDone
	close(failed)
	for f := range failed {
		t.Errorf("a client gave up: %s", f)
	}
	runTime := time.Since(runStart)
	for _, l := range killLog {
		t.Log(l)
	}
	t.Logf("%d payments (%d portal, %d API) with %d kills in %v; %d client retries (%d answered 409 in flight)", total,
		len(paidAtMollie), len(apiIDs), len(killLog), runTime.Round(time.Millisecond), retries.Load(), inFlight.Load())
	if len(killLog) < 3 {
		t.Errorf("only %d kills happened during the run", len(killLog))
	}

	// Reconciliation: the reconciler's round (settle runs it every 30 s
	// for payments whose check is due) run here with the clock six minutes
	// on, so every payment still open for us is asked about: those whose
	// Mollie webhook was lost while settle was dead.
	client, _ := payments.NewClient(sim.BaseURL(), 5*time.Second)
	ck := &checkout.Service{Store: st, Billing: &billing.Service{Store: st}, Mollie: client, FallbackKey: "test_crash",
		BaseURL: base, CheckoutHosts: []string{simSrv.Listener.Addr().String()}, Log: slog.New(slog.DiscardHandler),
		Now: func() time.Time { return time.Now().Add(6 * time.Minute) }}
	// Wait for the webhooks that did arrive to be applied, then count the
	// payments paid at Mollie that settle does not know are paid.
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		var busy int
		db.Get(&busy, `SELECT count(*) FROM jobs WHERE state IN ('pending', 'running') AND kind = 'mollie.webhook'`)
		if busy == 0 {
			break
		}
	}
	var openIDs []string
	db.Select(&openIDs, `SELECT provider_id FROM payments WHERE creditor_id = $1 AND status IN ('open', 'pending') AND provider_id IS NOT NULL`, cid)
	lost := 0
	for _, id := range openIDs {
		if paidAtMollie[id] != nil {
			lost++
		}
	}
	var orphans int
	db.Get(&orphans, `SELECT count(*) FROM payments WHERE creditor_id = $1 AND provider_id IS NULL AND provider = 'mollie'`, cid)
	reconciled := 0
	for {
		n, err := ck.Reconcile(ctx, 500)
		if err != nil {
			t.Fatal(err)
		}
		reconciled += n
		if n == 0 {
			break
		}
	}
	t.Logf("reconciler: %d payments paid at Mollie whose webhook was lost, %d started without Mollie's answer; %d checked",
		lost, orphans, reconciled)

	// Wait for every Mollie payment we paid to be paid for settle, and for
	// the queue to drain.
	deadline := time.Now().Add(30 * time.Second)
	for {
		var busy, undelivered int
		db.Get(&busy, `SELECT count(*) FROM jobs WHERE state IN ('pending', 'running') AND kind IN ('webhook.deliver', 'event.dispatch', 'mollie.webhook')`)
		db.Get(&undelivered, `SELECT count(*) FROM events e WHERE e.creditor_id = $1 AND NOT EXISTS
			(SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id AND d.state = 'delivered')`, cid)
		if busy == 0 && undelivered == 0 {
			break
		}
		if time.Now().After(deadline) {
			var stats []string
			db.Select(&stats, `SELECT kind || ' ' || state || ' ' || count(*) FROM jobs GROUP BY kind, state`)
			t.Fatalf("queue not drained after 30 s: %d busy jobs, %d events undelivered; jobs: %v", busy, undelivered, stats)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("reconciled and drained %v after the run", (time.Since(runStart) - runTime).Round(time.Millisecond))

	// Every payment recorded exactly once: each Mollie payment the
	// debtors paid is one paid payment of ours with one booking …
	type row struct {
		ID       int64   `db:"id"`
		PublicID string  `db:"public_id"`
		Debtor   int64   `db:"debtor_id"`
		Status   string  `db:"status"`
		Amount   int64   `db:"amount_minor"`
		Provider *string `db:"provider_id"`
		External *string `db:"external_id"`
		Booked   int64   `db:"booked"`
		Entries  int     `db:"entries"`
		Events   int     `db:"events"`
	}
	var rows []row
	if err := db.Select(&rows, `SELECT p.id, p.public_id, p.debtor_id, p.status, p.amount_minor, p.provider_id, p.external_id,
		coalesce((SELECT -sum(amount_minor) FROM ledger_entries l WHERE l.payment_id = p.id), 0) AS booked,
		(SELECT count(*) FROM ledger_entries l WHERE l.payment_id = p.id) AS entries,
		(SELECT count(*) FROM events e WHERE e.type = 'payment.paid' AND e.data->>'payment_id' = p.public_id) AS events
		FROM payments p WHERE p.creditor_id = $1`, cid); err != nil {
		t.Fatal(err)
	}
	byProvider := map[string][]row{}
	byExternal := map[string][]row{}
	paidRows := 0
	for _, r := range rows {
		if r.Provider != nil {
			byProvider[*r.Provider] = append(byProvider[*r.Provider], r)
		}
		if r.External != nil {
			byExternal[*r.External] = append(byExternal[*r.External], r)
		}
		if r.Status == "paid" {
			paidRows++
			if r.Booked != r.Amount || r.Entries != 1 || r.Events != 1 {
				t.Errorf("payment %s: %d booked in %d entries with %d payment.paid events, want %d in 1 with 1",
					r.PublicID, r.Booked, r.Entries, r.Events, r.Amount)
			}
		} else if r.Booked != 0 || r.Events != 0 {
			t.Errorf("payment %s is %s but has %d booked and %d payment.paid events", r.PublicID, r.Status, r.Booked, r.Events)
		}
	}
	for trID, d := range paidAtMollie {
		rs := byProvider[trID]
		if len(rs) != 1 || rs[0].Status != "paid" || rs[0].Debtor != d.id {
			t.Errorf("Mollie payment %s (debtor %s) is %d payments of ours: %+v", trID, d.number, len(rs), rs)
		}
	}
	for _, mp := range sim.Payments() {
		if mp.Status == "paid" && paidAtMollie[mp.ID] == nil {
			t.Errorf("Mollie holds a paid payment %s the debtors did not pay", mp.ID)
		}
		if rs := byProvider[mp.ID]; len(rs) != 1 {
			t.Errorf("Mollie payment %s (%s) is %d payments of ours", mp.ID, mp.Status, len(rs))
		}
	}
	// … and each reported payment one payment, whatever the retries.
	for key, id := range apiIDs {
		rs := byExternal[key]
		if len(rs) != 1 || rs[0].PublicID != id || rs[0].Status != "paid" {
			t.Errorf("API payment %s is %d payments of ours (%+v), the client was told %s", key, len(rs), rs, id)
		}
	}
	if len(byExternal) != len(apiIDs) {
		t.Errorf("%d payments with an external id, the billing system reported %d", len(byExternal), len(apiIDs))
	}
	if paidRows != total {
		t.Errorf("%d paid payments, want %d", paidRows, total)
	}

	// Every ledger balances: what was invoiced minus what was paid, and
	// the same as the invoices' open amounts (nothing paid twice, so no
	// credit on any account).
	paidBy := map[int64]int64{}
	for _, d := range paidAtMollie {
		paidBy[d.id] += d.invoice
	}
	for _, w := range work {
		if w.api != nil {
			paidBy[w.api.id] += w.amount
		}
	}
	for _, d := range append(append([]*debtor{}, portalDebtors...), apiDebtorList...) {
		var balance int64
		db.Get(&balance, `SELECT coalesce(sum(amount_minor), 0) FROM ledger_entries WHERE creditor_id = $1 AND debtor_id = $2`, cid, d.id)
		invs, err := st.Invoices(ctx, cid, d.id)
		if err != nil {
			t.Fatal(err)
		}
		var open int64
		for _, inv := range invs {
			open += inv.OpenMinor
		}
		if want := d.invoice - paidBy[d.id]; balance != want || open != want {
			t.Errorf("debtor %s: ledger %d, invoices open %d, want %d (invoiced %d, paid %d)", d.number, balance, open, want, d.invoice, paidBy[d.id])
		}
	}

	// Every event delivered at least once with its stable id, and nothing
	// else delivered.
	var events, kinds []string
	db.Select(&events, `SELECT public_id FROM events WHERE creditor_id = $1`, cid)
	db.Select(&kinds, `SELECT type || ' ' || count(*) FROM events WHERE creditor_id = $1 GROUP BY type ORDER BY type`, cid)
	rc.mu.Lock()
	seen := map[string]int{}
	for _, h := range rc.got {
		if h.Err != nil {
			t.Errorf("delivery of %s: %v", h.ID, h.Err)
		}
		seen[h.ID]++
	}
	deliveries := len(rc.got)
	rc.mu.Unlock()
	known := map[string]bool{}
	for _, id := range events {
		known[id] = true
		if seen[id] == 0 {
			t.Errorf("event %s never reached the receiver", id)
		}
	}
	for id := range seen {
		if !known[id] {
			t.Errorf("the receiver got %s, which is no event of ours", id)
		}
	}
	errLines := 0
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, `"level":"ERROR"`) {
			if errLines++; errLines <= 20 {
				t.Logf("settle: %s", l)
			}
		}
	}
	t.Logf("%d events %v, %d deliveries (%d repeated after a kill); %d error lines from settle", len(events), kinds, deliveries,
		deliveries-len(seen), errLines)
	t.Logf("total %v", time.Since(began).Round(time.Millisecond))
}

var checkoutIDRE = regexp.MustCompile(`/checkout/(tr_[A-Za-z0-9]+)`)

// payInPortal is one debtor: opens the link and asks to pay amount; it
// returns the Mollie payment settle sent the debtor to. Each step is repeated until settle answers it (a kill cuts
// it off): the debtor presses the button again. Each debtor comes from
// an address of its own (the link entry is rate-limited per address).
func payInPortal(base string, d *killDebtor, amount int64, retries *atomic.Int64) (string, error) {
	jar, _ := cookiejar.New(nil)
	ip := net.IPv4(127, 1, byte(d.seq/200), byte(1+d.seq%200))
	hc := &http.Client{Jar: jar, Timeout: 20 * time.Second,
		Transport:     &http.Transport{DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}}).DialContext},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	defer hc.CloseIdleConnections()
	post := func(path string, form string, want func(*http.Response) bool) (*http.Response, error) {
		deadline := time.Now().Add(60 * time.Second)
		for {
			res, err := hc.Post(base+path, "application/x-www-form-urlencoded", strings.NewReader(form))
			if err == nil {
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if want(res) {
					return res, nil
				}
				err = fmt.Errorf("POST %s: %d", path, res.StatusCode)
			}
			if time.Now().After(deadline) {
				return nil, err
			}
			retries.Add(1)
			time.Sleep(50 * time.Millisecond)
		}
	}
	if _, err := post("/l/"+d.token, "", func(r *http.Response) bool {
		return r.StatusCode == http.StatusSeeOther && r.Header.Get("Location") == "/account"
	}); err != nil {
		return "", err
	}
	res, err := post("/account/payments", fmt.Sprintf("amount=%d,%02d", amount/100, amount%100), func(r *http.Response) bool {
		return r.StatusCode == http.StatusSeeOther && checkoutIDRE.MatchString(r.Header.Get("Location"))
	})
	if err != nil {
		return "", err
	}
	id := checkoutIDRE.FindStringSubmatch(res.Header.Get("Location"))[1]
	return id, nil
}

// reportPayment is the creditor's billing system reporting a payment,
// resending the same request with the same Idempotency-Key until it gets
// an answer; it returns our payment id.
func reportPayment(base, apiKey, customer, key string, amount int64, valueDate string, retries, inFlight *atomic.Int64) (string, error) {
	body := fmt.Sprintf(`{"customer_number": %q, "amount_minor": %d, "currency": "EUR", "value_date": %q, "external_id": %q}`,
		customer, amount, valueDate, key)
	deadline := time.Now().Add(60 * time.Second)
	for {
		req, _ := http.NewRequest("POST", base+"/api/v1/payments", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+apiKey)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", key)
		res, err := http.DefaultClient.Do(req)
		if err == nil {
			var out struct {
				ID   string `json:"id"`
				Code string `json:"code"`
			}
			json.NewDecoder(res.Body).Decode(&out)
			res.Body.Close()
			if (res.StatusCode == http.StatusCreated || res.StatusCode == http.StatusOK) && out.ID != "" {
				return out.ID, nil
			}
			if out.Code == "error.api.idempotency_in_flight" { // its first try died with settle
				inFlight.Add(1)
			}
			err = fmt.Errorf("payment %s: %d %s", key, res.StatusCode, out.Code)
		}
		if time.Now().After(deadline) {
			return "", err
		}
		retries.Add(1)
		time.Sleep(50 * time.Millisecond)
	}
}

// killDebtor is a debtor of the crash test.
type killDebtor struct {
	seq     int
	id      int64
	number  string
	invoice int64 // total invoiced
	token   string
}
