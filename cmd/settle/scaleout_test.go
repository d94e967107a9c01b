package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/hooks"
	"github.com/settle/settle/internal/payments/molliesim"
	"github.com/settle/settle/internal/store"
	"github.com/settle/settle/internal/testdb"
)

// TestScaleOutTwoInstances is the README's deployment section as a test:
// two `settle serve` processes (this test binary re-executed as settle)
// on one database, with the same SETTLE_SESSION_KEYS and
// SETTLE_SECRET_KEY, both running workers, behind a round-robin load
// balancer without sticky sessions.
//
//   - They start together on an empty database: both migrate at once.
//   - A debtor's session started on one instance works on the other:
//     every request of the walk (link, continue, step-up, pages, a payment
//     start, logout) goes to the other instance than the one before, and
//     the logout on one ends the session on both.
//   - Jobs run exactly once: payments paid through Mollie (their webhooks
//     arrive through the load balancer, alternating) and payments recorded
//     through the API (alternating, while the creditor's endpoint is down)
//     each book one ledger entry and one payment.paid event, and the
//     endpoint receives each event once: one request per recorded attempt
//     (the outage's: a 503, then the delivery), no webhook-id twice;
//     every other job ran on its first attempt, and both instances'
//     workers took part.
//   - `settle dunning run` started twice at once sends each reminder once:
//     as many messages as the dry run announced, one send job each, and
//     the SMS provider got each text once.
//
// Mollie is one simulator in the test process (MOLLIE_API_KEY and
// MOLLIE_API_URL), as the real Mollie is one service for all instances.
// The simulator settle mounts at /_mollie/ without a key keeps its
// payments in the memory of the process that created them, so it cannot
// serve several instances; the README says to set MOLLIE_API_KEY.
func TestScaleOutTwoInstances(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two settle processes")
	}
	ctx := context.Background()
	dbURL := emptyDatabase(t)
	db, err := sqlx.Open("postgres", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	secret := make([]byte, 32)
	rand.Read(secret)

	// Mollie, shared by both instances.
	var sim *molliesim.Simulator
	simSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { sim.Handler().ServeHTTP(w, r) }))
	defer simSrv.Close()
	sim = molliesim.New(molliesim.Options{BaseURL: simSrv.URL + "/", WebhookRetries: []time.Duration{}})
	defer sim.Close()

	// The SMS provider: counts each text it is asked to send.
	var smsMu sync.Mutex
	texts := map[string]int{}
	smsSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		smsMu.Lock()
		texts[r.PostForm.Get("To")+"\n"+r.PostForm.Get("Body")]++
		n := len(texts)
		smsMu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"sid": "SM%d"}`, n)
	}))
	defer smsSrv.Close()

	// The creditor's webhook endpoint (verifies every signature), behind a
	// front that counts every request by webhook-id, answered or not.
	rc := newReceiver(t)
	var reqMu sync.Mutex
	requests := map[string]int{}
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reqMu.Lock()
		requests[r.Header.Get("webhook-id")]++
		reqMu.Unlock()
		rc.srv.Config.Handler.ServeHTTP(w, r)
	}))
	defer front.Close()

	// The load balancer: round robin, no stickiness. SETTLE_BASE_URL
	// points at it, so Mollie's webhooks alternate between the instances.
	addrs := []string{freeAddr(t), freeAddr(t)}
	var next atomic.Int64
	var served [2]atomic.Int64
	proxies := make([]*httputil.ReverseProxy, 2)
	for i, addr := range addrs {
		proxies[i] = httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: addr})
	}
	lb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := next.Add(1) % 2
		served[i].Add(1)
		proxies[i].ServeHTTP(w, r)
	}))
	defer lb.Close()

	env := []string{"DATABASE_URL=" + dbURL, "SETTLE_SESSION_KEYS=" + newSessionKey(),
		"SETTLE_SECRET_KEY=" + base64.StdEncoding.EncodeToString(secret), "SETTLE_BASE_URL=" + lb.URL,
		"MOLLIE_API_KEY=test_scaleout", "MOLLIE_API_URL=" + sim.BaseURL(), "SETTLE_WEBHOOK_ALLOW_PRIVATE=true",
		"SMS_URL=http://AC1:token@" + smsSrv.Listener.Addr().String() + "/2010-04-01/Accounts/AC1/Messages.json?from=Settle",
		"SMTP_URL="}
	// Both start at once on the empty database; A also seeds the demo.
	a := startInstance(t, "A", addrs[0], append(env[:len(env):len(env)], "SETTLE_DEMO=true"))
	b := startInstance(t, "B", addrs[1], append(env[:len(env):len(env)], "SETTLE_DEMO=false"))
	inst := []*instance{a, b}
	a.waitReady(t)
	b.waitReady(t)

	st := store.New(db)
	c, err := st.CreditorBySlug(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	_, rc.secret, err = (&hooks.Service{DB: db, AllowPrivate: true}).AddEndpoint(ctx, c.ID, front.URL+"/hooks", nil)
	if err != nil {
		t.Fatal(err)
	}
	apiKey, prefix, hash := ar.NewAPIKey()
	if err := st.CreateAPIKey(ctx, &ar.APIKey{CreditorID: c.ID, Prefix: prefix, KeyHash: hash}); err != nil {
		t.Fatal(err)
	}

	// --- A debtor's session, every request on the other instance. ---
	var out bytes.Buffer
	// The commands run in this process (link, seed, dunning) find the same
	// database and key (and write no key file into the working directory).
	t.Setenv("DATABASE_URL", dbURL)
	t.Setenv("SETTLE_SECRET_KEY", base64.StdEncoding.EncodeToString(secret))
	if err := run(ctx, []string{"link", "--creditor", "demo", "--customer", "10001", "--base-url", lb.URL,
		"--data-dir", t.TempDir(), "--log-format", "json"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	token := strings.TrimPrefix(strings.TrimSpace(out.String()), lb.URL)
	d := newDebtor(t)
	turn := 0
	on := func() *instance { turn++; return inst[turn%2] } // A, B, A, B …
	if r := d.do(on(), "GET", token, nil); r.status != 200 || !strings.Contains(r.body, "Nordwind") {
		t.Fatalf("link page: %d", r.status)
	}
	if r := d.do(on(), "POST", token, url.Values{}); r.status != 303 || r.location != "/account" {
		t.Fatalf("continue: %d to %q", r.status, r.location)
	}
	if r := d.do(on(), "GET", "/account", nil); r.status != 200 || !strings.Contains(r.body, `data-testid="total-due"`) {
		t.Fatalf("landing on the other instance: %d", r.status)
	}
	if r := d.do(on(), "POST", "/account/verify", url.Values{"answer": {"10115"}, "next": {"/account"}}); r.status != 303 {
		t.Fatalf("step-up: %d", r.status)
	}
	r := d.do(on(), "GET", "/account", nil)
	if r.status != 200 || !strings.Contains(r.body, `data-testid="invoices"`) || !strings.Contains(r.body, "Jana Schulz") {
		t.Fatalf("dashboard after the step-up made on the other instance: %d", r.status)
	}
	m := regexp.MustCompile(`href="(/account/invoices/[^"]+)"`).FindStringSubmatch(r.body)
	if m == nil {
		t.Fatal("no invoice link on the dashboard")
	}
	if r := d.do(on(), "GET", m[1], nil); r.status != 200 || !strings.Contains(r.body, `data-testid="lines"`) {
		t.Fatalf("invoice page: %d", r.status)
	}
	if r := d.do(on(), "GET", "/account/history", nil); r.status != 200 {
		t.Fatalf("history: %d", r.status)
	}
	// Payments started alternately on both instances, paid at Mollie.
	const viaMollie = 12
	for i := range viaMollie {
		r := d.do(on(), "POST", "/account/payments", url.Values{"amount": {fmt.Sprintf("1,%02d", i)}})
		if r.status != 303 || !strings.HasPrefix(r.location, simSrv.URL+"/checkout/") {
			t.Fatalf("payment %d: %d to %q\n%s", i, r.status, r.location, r.body)
		}
	}
	var mollie []struct {
		PublicID   string `db:"public_id"`
		ProviderID string `db:"provider_id"`
	}
	if err := db.Select(&mollie, `SELECT public_id, provider_id FROM payments WHERE creditor_id = $1 AND provider = 'mollie'
		AND provider_id IS NOT NULL ORDER BY id`, c.ID); err != nil || len(mollie) != viaMollie {
		t.Fatalf("%d Mollie payments (%v), want %d", len(mollie), err, viaMollie)
	}
	if r := d.do(on(), "GET", "/account/payments/"+mollie[0].PublicID, nil); r.status != 200 {
		t.Fatalf("payment status page on the other instance: %d", r.status)
	}
	var wg sync.WaitGroup
	for _, p := range mollie {
		wg.Add(1)
		go func() { // the debtors pay; Mollie calls the webhook (through the load balancer)
			defer wg.Done()
			if err := sim.SetStatus(p.ProviderID, "paid"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	ids := map[string]bool{}
	for _, p := range mollie {
		ids[p.PublicID] = true
	}
	awaitPaid(t, rc, ids)

	// The creditor's endpoint goes down while its billing system reports
	// payments, alternately to both instances: each delivery fails (503)
	// and is tried again when it is due; here the test makes it due once
	// the endpoint is back, instead of waiting for the backoff.
	rc.down.Store(true)
	const viaAPI = 12
	apiIDs := map[string]bool{}
	for i := range viaAPI {
		status, body := apiPost(t, inst[i%2].base, apiKey, "/api/v1/payments", fmt.Sprintf(`{"customer_number": "%d",
			"amount_minor": %d, "currency": "EUR", "value_date": "2026-11-20", "external_id": "SCALE-%d"}`, 10001+i%5, 100+i, i))
		if status != 201 {
			t.Fatalf("API payment %d: %d %v", i, status, body)
		}
		apiIDs[body["id"].(string)] = true
		ids[body["id"].(string)] = true
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var failed, busy int
		db.Get(&failed, `SELECT count(*) FROM webhook_deliveries d JOIN events e ON e.id = d.event_id
			WHERE e.type = 'payment.paid' AND e.data->>'payment_id' = ANY($1) AND d.last_status = 503`, pqArray(apiIDs))
		db.Get(&busy, `SELECT count(*) FROM jobs WHERE state = 'running' OR (state = 'pending' AND run_at <= now())`)
		if failed == viaAPI && busy == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("while the endpoint was down, %d of %d deliveries failed", failed, viaAPI)
		}
	}
	rc.down.Store(false)
	if _, err := db.Exec(`UPDATE jobs SET run_at = now() WHERE kind = 'webhook.deliver' AND state = 'pending'`); err != nil {
		t.Fatal(err)
	}
	awaitPaid(t, rc, apiIDs)

	// Logging out on one instance ends the session on the other too, even
	// for a copy of the cookie.
	saved := d.jar.Cookies(&url.URL{Scheme: "http", Host: addrs[0]})
	if r := d.do(on(), "POST", "/logout", url.Values{}); r.status != 303 {
		t.Fatalf("logout: %d", r.status)
	}
	d.jar.SetCookies(&url.URL{Scheme: "http", Host: addrs[0]}, saved)
	if r := d.do(on(), "GET", "/account", nil); r.status == 200 || strings.Contains(r.body, "Jana Schulz") {
		t.Errorf("after logging out on the other instance, the old cookie still opens the account: %d", r.status)
	}
	waitJobs(t, db, 30*time.Second, `kind = 'webhook.deliver'`) // deliveries: checked below, by attempt

	var wrong int
	db.Get(&wrong, `SELECT count(*) FROM payments p WHERE p.creditor_id = $1 AND p.public_id = ANY($2)
		AND (p.status <> 'paid' OR (SELECT count(*) FROM ledger_entries l WHERE l.payment_id = p.id) <> 1
		 OR (SELECT count(*) FROM events e WHERE e.type = 'payment.paid' AND e.data->>'payment_id' = p.public_id) <> 1)`,
		c.ID, pqArray(ids))
	if wrong != 0 {
		t.Errorf("%d of %d payments are not paid with exactly one ledger entry and one payment.paid event", wrong, len(ids))
	}
	// Every event arrived once, and every request the endpoint got is one
	// recorded attempt: one for the payments paid at Mollie, two (503,
	// then delivered) for those reported while it was down.
	rc.mu.Lock()
	hits := map[string]int{}
	for _, h := range rc.got {
		hits[h.ID]++
		if h.Err != nil {
			t.Errorf("webhook %s: %v", h.ID, h.Err)
		}
	}
	rc.mu.Unlock()
	var recorded []struct {
		Event    string `db:"public_id"`
		State    string `db:"state"`
		Attempts int    `db:"attempts"`
		Payment  string `db:"payment_id"`
	}
	if err := db.Select(&recorded, `SELECT e.public_id, d.state, coalesce(e.data->>'payment_id', '') AS payment_id,
		(SELECT count(*) FROM webhook_attempts a WHERE a.delivery_id = d.id) AS attempts
		FROM webhook_deliveries d JOIN events e ON e.id = d.event_id`); err != nil {
		t.Fatal(err)
	}
	reqMu.Lock()
	total, twice := 0, 0
	for _, d := range recorded {
		want := 1
		if apiIDs[d.Payment] {
			want = 2
		}
		if d.State != "delivered" || hits[d.Event] != 1 || d.Attempts != requests[d.Event] || (ids[d.Payment] && d.Attempts != want) {
			t.Errorf("event %s (payment %q): %s, delivered %d times, %d requests for %d recorded attempts (want %d)",
				d.Event, d.Payment, d.State, hits[d.Event], requests[d.Event], d.Attempts, want)
		}
		total += requests[d.Event]
		if d.Attempts == 2 {
			twice++
		}
	}
	var all int
	for _, n := range requests {
		all += n
	}
	reqMu.Unlock()
	if all != total || len(recorded) != len(hits) {
		t.Errorf("the endpoint got %d requests for %d events; settle recorded %d deliveries with %d attempts", all, len(hits), len(recorded), total)
	}
	perWorker := jobsPerWorker(t, db, `kind IN ('mollie.webhook', 'webhook.deliver')`)
	t.Logf("%d payments, %d webhooks in %d requests (%d tried twice); load balancer: A %d, B %d requests; jobs per worker: %v",
		len(ids), len(recorded), all, twice, served[0].Load(), served[1].Load(), perWorker)

	// --- Dunning: two runs at once send each reminder once. ---
	// The instances' own quarter-hourly run waits, so the two runs the
	// test starts are the only ones.
	if _, err := db.Exec(`UPDATE jobs SET run_at = now() + interval '1 hour' WHERE kind = 'dunning.run' AND state = 'pending'`); err != nil {
		t.Fatal(err)
	}
	if err := cmdSeed(ctx, []string{"--debtors", "300", "--invoices-per-debtor", "2", "--as-of", "2026-11-23"}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	var dry bytes.Buffer
	if err := cmdDunning(ctx, []string{"run", "--creditor", "loadtest", "--dry-run", "--as-of", "2026-11-23"}, &dry, io.Discard); err != nil {
		t.Fatal(err)
	}
	wm := regexp.MustCompile(`would send (\d+) messages`).FindStringSubmatch(dry.String())
	if wm == nil {
		t.Fatalf("dry run:\n%s", dry.String())
	}
	want, _ := strconv.Atoi(wm[1])
	if want == 0 {
		t.Fatalf("the seeded data has nothing due:\n%s", dry.String())
	}
	outs := make([]bytes.Buffer, 2)
	runs := make([]*exec.Cmd, 2)
	for i := range runs {
		runs[i] = exec.Command(os.Args[0])
		runs[i].Env = append(os.Environ(), "DATABASE_URL="+dbURL, "SETTLE_TEST_AS_PROGRAM=dunning run --creditor loadtest --as-of 2026-11-23 --log-format json --data-dir "+t.TempDir())
		runs[i].Stdout, runs[i].Stderr = &outs[i], &outs[i]
	}
	for _, cmd := range runs {
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
	}
	for i, cmd := range runs {
		if err := cmd.Wait(); err != nil {
			t.Errorf("dunning run %d: %v\n%s", i, err, outs[i].String())
		}
	}
	t.Logf("dry run: %d messages\nrun 1:\n%s\nrun 2:\n%s", want, outs[0].String(), outs[1].String())
	waitJobs(t, db, 60*time.Second, `kind = 'webhook.deliver'`)
	var sent, dupActions, notOneJob, sentSMS int
	lt := `(SELECT id FROM creditors WHERE slug = 'loadtest')`
	db.Get(&sent, `SELECT count(*) FROM messages WHERE purpose = 'dunning' AND creditor_id = `+lt)
	db.Get(&dupActions, `SELECT count(*) FROM (SELECT invoice_id, stage FROM dunning_actions WHERE creditor_id = `+lt+`
		GROUP BY invoice_id, stage HAVING count(*) > 1) x`)
	db.Get(&notOneJob, `SELECT count(*) FROM messages m WHERE m.creditor_id = `+lt+` AND (SELECT count(*) FROM jobs j
		WHERE j.kind = 'message.send' AND (j.payload->>'message_id')::bigint = m.id) <> CASE m.channel WHEN 'letter' THEN 0 ELSE 1 END`)
	db.Get(&sentSMS, `SELECT count(*) FROM messages WHERE channel = 'sms' AND status = 'sent'`)
	if sent != want || dupActions != 0 || notOneJob != 0 {
		t.Errorf("two runs at once made %d dunning messages (the dry run said %d), %d invoices got a stage twice, %d messages have not exactly one send job (letters: none)",
			sent, want, dupActions, notOneJob)
	}
	smsMu.Lock()
	var calls int
	for text, n := range texts {
		calls += n
		if n != 1 {
			t.Errorf("the SMS provider was asked %d times to send %q", n, text)
		}
	}
	smsMu.Unlock()
	if calls != sentSMS || sentSMS == 0 {
		t.Errorf("the SMS provider got %d requests for %d sent text messages", calls, sentSMS)
	}
	t.Logf("dunning: %d messages, %d text messages sent; jobs per worker: %v", sent, sentSMS,
		jobsPerWorker(t, db, `kind = 'message.send'`))
	if all := jobsPerWorker(t, db, `true`); len(all) < 2 {
		t.Errorf("only one instance's workers ran jobs: %v", all)
	}

	for _, in := range inst {
		in.stop(t)
	}
}

// instance is one settle serve process.
type instance struct {
	name, base string
	cmd        *exec.Cmd
	logs       *syncBuffer
	stopped    bool
}

func startInstance(t *testing.T, name, addr string, env []string) *instance {
	in := &instance{name: name, base: "http://" + addr, logs: &syncBuffer{}}
	in.cmd = exec.Command(os.Args[0])
	in.cmd.Env = append(os.Environ(), append(env, "SETTLE_TEST_AS_PROGRAM=serve --log-format json --data-dir "+t.TempDir()+" --addr "+addr)...)
	in.cmd.Stdout, in.cmd.Stderr = io.Discard, in.logs
	if err := in.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		in.stop(t)
		for _, l := range strings.Split(in.logs.String(), "\n") {
			if strings.Contains(l, `"level":"ERROR"`) {
				t.Errorf("instance %s logged an error: %s", in.name, l)
			}
		}
	})
	return in
}

func (in *instance) waitReady(t *testing.T) {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(in.base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return
			}
		}
		if in.cmd.ProcessState != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("instance %s did not start:\n%s", in.name, in.logs.String())
}

// stop ends the process as an orchestrator does (SIGTERM) and checks that
// it drained and exited cleanly.
func (in *instance) stop(t *testing.T) {
	if in.stopped {
		return
	}
	in.stopped = true
	in.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- in.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("instance %s: %v\n%s", in.name, err, in.logs.String())
		}
	case <-time.After(30 * time.Second):
		in.cmd.Process.Kill()
		t.Errorf("instance %s did not stop within 30 s", in.name)
	}
}

// debtor is a browser that does not follow redirects (each request goes
// to the instance the test names).
type debtor struct {
	jar *cookiejar.Jar
	c   *http.Client
	t   *testing.T
}

type answer struct {
	status         int
	body, location string
}

func newDebtor(t *testing.T) *debtor {
	jar, _ := cookiejar.New(nil)
	return &debtor{jar: jar, t: t, c: &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (d *debtor) do(in *instance, method, path string, form url.Values) answer {
	d.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, in.base+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept-Language", "en")
	res, err := d.c.Do(req)
	if err != nil {
		d.t.Fatalf("%s %s on %s: %v", method, path, in.name, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return answer{status: res.StatusCode, body: string(b), location: res.Header.Get("Location")}
}

// waitJobs waits until no job is pending now or running, and checks that
// each ran once, on its first attempt, except those matching retried.
func waitJobs(t *testing.T, db *sqlx.DB, within time.Duration, retried string) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		var busy int
		db.Get(&busy, `SELECT count(*) FROM jobs WHERE state = 'running' OR (state = 'pending' AND run_at <= now())`)
		if busy == 0 {
			break
		}
		if time.Now().After(deadline) {
			var left []string
			db.Select(&left, `SELECT kind || ' ' || state || ' ' || attempts || ' ' || last_error FROM jobs
				WHERE state = 'running' OR (state = 'pending' AND run_at <= now()) LIMIT 10`)
			t.Fatalf("jobs still waiting after %v: %q", within, left)
		}
		time.Sleep(100 * time.Millisecond)
	}
	var again []string
	db.Select(&again, `SELECT kind || ' ' || state || ' ' || attempts || ' ' || last_error FROM jobs
		WHERE (attempts > 1 OR state = 'dead' OR last_error <> '') AND NOT (`+retried+`) LIMIT 10`)
	if len(again) > 0 {
		t.Errorf("jobs that did not run exactly once: %q", again)
	}
}

// jobsPerWorker counts the finished jobs matching where by the worker
// (process) that ran them.
func jobsPerWorker(t *testing.T, db *sqlx.DB, where string) map[string]int {
	var rows []struct {
		Worker string `db:"worker"`
		N      int    `db:"n"`
	}
	if err := db.Select(&rows, `SELECT split_part(locked_by, ':', 2) AS worker, count(*) AS n FROM jobs
		WHERE state = 'done' AND `+where+` GROUP BY 1`); err != nil {
		t.Fatal(err)
	}
	m := map[string]int{}
	for _, r := range rows {
		m["pid "+r.Worker] = r.N
	}
	return m
}

func pqArray(set map[string]bool) string {
	var s []string
	for k := range set {
		s = append(s, `"`+k+`"`)
	}
	return "{" + strings.Join(s, ",") + "}"
}

// freeAddr returns a local address nothing listens on.
func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// emptyDatabase makes a database without any table on the tests'
// cluster and returns its URL.
func emptyDatabase(t *testing.T) string {
	u, err := url.Parse(testdb.NewURL(t))
	if err != nil {
		t.Fatal(err)
	}
	u.User, u.Path = url.User("postgres"), "/postgres" // the cluster's superuser (trust authentication)
	admin, err := sqlx.Open("postgres", u.String())
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("scaleout_%d", time.Now().UnixNano())
	if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
		admin.Close()
	})
	u.Path = "/" + name
	return u.String()
}

// awaitPaid waits for the payment.paid webhook of each payment in ids.
func awaitPaid(t *testing.T, rc *receiver, ids map[string]bool) {
	t.Helper()
	deadline := time.After(60 * time.Second)
	for seen := map[string]bool{}; len(seen) < len(ids); {
		select {
		case h := <-rc.notify:
			if id, _ := h.Data["payment_id"].(string); h.Type == "payment.paid" && ids[id] {
				seen[id] = true
			}
		case <-deadline:
			t.Fatalf("after 60 s, %d of %d payment.paid webhooks arrived", len(seen), len(ids))
		}
	}
}
