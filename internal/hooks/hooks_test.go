package hooks_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/hooks"
	"github.com/settle/settle/internal/jobs"
	"github.com/settle/settle/internal/store"
	"github.com/settle/settle/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

var ctx = context.Background()

// world is a database with two creditors, a debtor each, and a Service
// that may talk to receivers on 127.0.0.1.
type world struct {
	db       *sqlx.DB
	st       *store.Store
	a, b     int64 // creditors
	da, db_  int64 // a debtor of each
	svc      *hooks.Service
	clock    time.Time
	clockSet bool
}

func setup(t *testing.T) *world {
	t.Helper()
	db := testdb.New(t)
	w := &world{db: db, st: store.New(db)}
	mk := func(slug string) int64 {
		id, err := w.st.CreateCreditor(ctx, store.NewCreditor{Creditor: ar.Creditor{Slug: slug, Name: strings.ToUpper(slug),
			PrimaryColor: "#123456", AccentColor: "#654321", DefaultLanguage: "de", Timezone: "Europe/Berlin",
			Currency: "EUR", StepUp: ar.StepUpKnowledge, StepUpKnowledge: ar.KnowPostcode}})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	w.a, w.b = mk("alpha"), mk("beta")
	debtor := func(creditor int64) int64 {
		id, err := w.st.UpsertDebtor(ctx, &ar.Debtor{CreditorID: creditor, CustomerNumber: "1", Name: "Alice", Postcode: "10115"})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	w.da, w.db_ = debtor(w.a), debtor(w.b)
	w.svc = &hooks.Service{DB: db, AllowPrivate: true, Now: w.now}
	return w
}

// now is the world's clock: real time unless set.
func (w *world) now() time.Time {
	if w.clockSet {
		return w.clock
	}
	return time.Now()
}

func (w *world) setClock(t time.Time) { w.clock, w.clockSet = t, true }

// event inserts an event the way every change does: in a transaction.
func (w *world) event(t *testing.T, creditor, debtor int64, typ string, data any) *store.Event {
	t.Helper()
	var ev *store.Event
	err := w.st.InTx(ctx, func(tx *store.Store) error {
		var err error
		ev, err = tx.AddEvent(ctx, creditor, &debtor, typ, data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func (w *world) addEndpoint(t *testing.T, creditor int64, url string, types ...string) (*hooks.Endpoint, string) {
	t.Helper()
	ep, secret, err := w.svc.AddEndpoint(ctx, creditor, url, types)
	if err != nil {
		t.Fatal(err)
	}
	return ep, secret
}

// pendingJobs returns the pending jobs of a kind as the runner would hand
// them to a handler (Attempt counts this run).
func (w *world) pendingJobs(t *testing.T, kind string) []jobs.Job {
	t.Helper()
	var list []jobs.Job
	if err := w.db.Select(&list, `SELECT id, kind, payload, attempts + 1 AS attempts, max_attempts, created_at
		FROM jobs WHERE state = 'pending' AND kind = $1 ORDER BY id`, kind); err != nil {
		t.Fatal(err)
	}
	return list
}

// run runs every pending job of kind once with svc's handler (ignoring
// run_at) and books the outcome like the runner: done, retry at, dead.
func (w *world) run(t *testing.T, svc *hooks.Service, kind string) []error {
	t.Helper()
	h := svc.Handlers()[kind]
	var errs []error
	for _, j := range w.pendingJobs(t, kind) {
		err := h(ctx, &j)
		errs = append(errs, err)
		var retry *jobs.RetryAtError
		var perm *jobs.PermanentError
		var q string
		args := []any{j.ID, j.Attempt}
		switch {
		case err == nil:
			q = `UPDATE jobs SET state = 'done', attempts = $2, finished_at = now() WHERE id = $1`
		case errors.As(err, &perm):
			q = `UPDATE jobs SET state = 'dead', attempts = $2, last_error = $3, finished_at = now() WHERE id = $1`
			args = append(args, err.Error())
		case errors.As(err, &retry):
			q = `UPDATE jobs SET attempts = $2, last_error = $3, run_at = $4 WHERE id = $1`
			args = append(args, err.Error(), retry.At)
		default:
			t.Fatalf("job %d (%s): unexpected error: %v", j.ID, kind, err)
		}
		if _, err := w.db.Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
	return errs
}

// deliverAll dispatches pending events and runs pending deliveries once.
func (w *world) deliverAll(t *testing.T) []error {
	t.Helper()
	for _, err := range w.run(t, w.svc, hooks.KindDispatch) {
		if err != nil {
			t.Fatalf("dispatch: %v", err)
		}
	}
	return w.run(t, w.svc, hooks.KindDeliver)
}

func (w *world) delivery(t *testing.T, creditor, endpoint int64) hooks.Delivery {
	t.Helper()
	list, err := w.svc.Deliveries(ctx, creditor, endpoint, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Fatalf("endpoint %d has %d deliveries, want 1", endpoint, len(list))
	}
	return list[0]
}

// receiver is a webhook receiver on 127.0.0.1 that records requests and
// answers with answer(n) for the n-th (1-based).
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	reqs   []received
	answer func(n int, w http.ResponseWriter)
}

type received struct {
	Header http.Header
	Body   []byte
}

func newReceiver(t *testing.T, answer func(n int, w http.ResponseWriter)) *receiver {
	r := &receiver{answer: answer}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.reqs = append(r.reqs, received{Header: req.Header.Clone(), Body: body})
		n, answer := len(r.reqs), r.answer
		r.mu.Unlock()
		if answer == nil {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		answer(n, w)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.reqs...)
}

func statuses(codes ...int) func(int, http.ResponseWriter) {
	return func(n int, w http.ResponseWriter) {
		w.WriteHeader(codes[min(n, len(codes))-1])
	}
}

func verify(secret string, r received) error {
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		return err
	}
	return wh.Verify(r.Body, r.Header)
}

func TestSecretFormat(t *testing.T) {
	s := hooks.NewSecret()
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, "whsec_"))
	if !strings.HasPrefix(s, "whsec_") || err != nil || len(raw) != 32 {
		t.Fatalf("secret %q: %v, %d bytes", s, err, len(raw))
	}
	if hooks.NewSecret() == s {
		t.Fatal("two secrets alike")
	}
}

// TestDeliverEndToEnd: an event committed in a transaction creates its
// delivery and deliver job by trigger, in that transaction; deliver sends
// it, signed, with the documented headers and body.
func TestDeliverEndToEnd(t *testing.T) {
	w := setup(t)
	rcv := newReceiver(t, nil)
	ep, secret := w.addEndpoint(t, w.a, rcv.URL+"/hooks?token=x")

	// A rolled-back event leaves no job and no delivery.
	_ = w.st.InTx(ctx, func(tx *store.Store) error {
		if _, err := tx.AddEvent(ctx, w.a, &w.da, "payment.paid", nil); err != nil {
			t.Fatal(err)
		}
		return errors.New("roll back")
	})
	var n int
	if err := w.db.Get(&n, `SELECT (SELECT count(*) FROM jobs) + (SELECT count(*) FROM webhook_deliveries)`); err != nil || n != 0 {
		t.Fatalf("%d jobs and deliveries after a rollback (%v)", n, err)
	}

	ev := w.event(t, w.a, w.da, "payment.paid", map[string]any{"amount_minor": 2999, "currency": "EUR"})
	// The delivery and its job exist as soon as the event commits, with
	// no dispatch job in between, and the job is the one enqueueDeliver
	// (Dispatch, Replay) makes.
	if n := len(w.pendingJobs(t, hooks.KindDispatch)); n != 0 {
		t.Errorf("%d dispatch jobs for a new event", n)
	}
	var d0 struct {
		ID        int64  `db:"id"`
		State     string `db:"state"`
		Round     int    `db:"round"`
		Payload   string `db:"payload"`
		UniqueKey string `db:"unique_key"`
	}
	if err := w.db.Get(&d0, `SELECT d.id, d.state, d.round, j.payload::text, j.unique_key
		FROM webhook_deliveries d JOIN jobs j ON j.kind = 'webhook.deliver' AND (j.payload->>'delivery_id')::bigint = d.id
		WHERE d.creditor_id = $1 AND d.endpoint_id = $2 AND d.event_id = $3`, w.a, ep.ID, ev.ID); err != nil {
		t.Fatalf("no delivery with a deliver job for the event: %v", err)
	}
	if d0.State != hooks.StatePending || d0.Round != 1 || d0.UniqueKey != "webhook.deliver:"+itoa(d0.ID)+":1" ||
		d0.Payload != `{"round": 1, "delivery_id": `+itoa(d0.ID)+`}` {
		t.Errorf("delivery and job %+v", d0)
	}
	deliverJobs := w.pendingJobs(t, hooks.KindDeliver)
	if len(deliverJobs) != 1 || deliverJobs[0].MaxAttempts != hooks.MaxAttempts {
		t.Fatalf("deliver jobs: %+v", deliverJobs)
	}
	// Dispatching the event (a backfill) creates nothing new.
	if err := w.svc.Dispatch(ctx, &jobs.Job{Kind: hooks.KindDispatch, Payload: json.RawMessage(`{"event_id":` + itoa(ev.ID) + `}`), Attempt: 2}); err != nil {
		t.Fatal(err)
	}
	if n := len(w.pendingJobs(t, hooks.KindDeliver)); n != 1 {
		t.Fatalf("%d deliver jobs after a dispatch", n)
	}

	if errs := w.run(t, w.svc, hooks.KindDeliver); len(errs) != 1 || errs[0] != nil {
		t.Fatalf("deliver: %v", errs)
	}
	reqs := rcv.requests()
	if len(reqs) != 1 {
		t.Fatalf("receiver got %d requests", len(reqs))
	}
	r := reqs[0]
	if err := verify(secret, r); err != nil {
		t.Errorf("signature does not verify: %v", err)
	}
	if err := verify(hooks.NewSecret(), r); err == nil {
		t.Error("another secret verifies")
	}
	h := r.Header
	if h.Get("webhook-id") != ev.PublicID || h.Get("Content-Type") != "application/json" ||
		h.Get("User-Agent") != "Settle-Webhooks/1" || !strings.HasPrefix(h.Get("webhook-signature"), "v1,") ||
		strings.Contains(h.Get("webhook-signature"), " ") {
		t.Errorf("headers: %v", h)
	}
	if ts := h.Get("webhook-timestamp"); ts == "" || time.Since(time.Unix(atoi(t, ts), 0)) > time.Minute {
		t.Errorf("webhook-timestamp %q", ts)
	}
	var body map[string]any
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatal(err)
	}
	data, _ := body["data"].(map[string]any)
	if body["id"] != ev.PublicID || body["type"] != "payment.paid" || body["debtor_sequence"] != float64(1) ||
		data["amount_minor"] != float64(2999) || data["currency"] != "EUR" || len(body) != 5 {
		t.Errorf("body: %s", r.Body)
	}
	created, err := time.Parse(time.RFC3339Nano, body["created_at"].(string))
	if err != nil || !created.Equal(ev.CreatedAt) {
		t.Errorf("created_at %v, want %v", body["created_at"], ev.CreatedAt)
	}

	d := w.delivery(t, w.a, ep.ID)
	if d.State != hooks.StateDelivered || d.Attempts != 1 || d.DeliveredAt == nil || d.EventPublicID != ev.PublicID ||
		d.LastStatus == nil || *d.LastStatus != 204 {
		t.Errorf("delivery %+v", d)
	}
	attempts, err := w.svc.Attempts(ctx, w.a, d.ID)
	if err != nil || len(attempts) != 1 || attempts[0].Status == nil || *attempts[0].Status != 204 || attempts[0].Error != "" {
		t.Errorf("attempts %+v, %v", attempts, err)
	}
	// The job again (a runner crash after the request): nothing sent.
	if err := w.svc.Deliver(ctx, &deliverJobs[0]); err != nil || len(rcv.requests()) != 1 {
		t.Errorf("re-run of a delivered job: %v, %d requests", err, len(rcv.requests()))
	}
}

// TestDispatchBackfill: an event from before an endpoint existed gets a
// delivery for it through an event.dispatch job, once.
func TestDispatchBackfill(t *testing.T) {
	w := setup(t)
	rcv := newReceiver(t, nil)
	ev := w.event(t, w.a, w.da, "payment.paid", nil)
	if n := len(w.pendingJobs(t, hooks.KindDeliver)); n != 0 {
		t.Fatalf("%d deliver jobs without an endpoint", n)
	}
	ep, _ := w.addEndpoint(t, w.a, rcv.URL)
	for range 2 {
		if _, err := jobs.Enqueue(ctx, w.db, hooks.KindDispatch, map[string]int64{"event_id": ev.ID},
			jobs.UniqueKey("backfill:"+itoa(ev.ID))); err != nil {
			t.Fatal(err)
		}
		if errs := w.deliverAll(t); len(errs) > 1 || (len(errs) == 1 && errs[0] != nil) {
			t.Fatalf("deliver: %v", errs)
		}
	}
	if r := rcv.requests(); len(r) != 1 || r[0].Header.Get("webhook-id") != ev.PublicID {
		t.Fatalf("%d requests, want 1 for %s", len(r), ev.PublicID)
	}
	if d := w.delivery(t, w.a, ep.ID); d.State != hooks.StateDelivered {
		t.Errorf("delivery %+v", d)
	}
}

// TestRetryThenDeliver: 500, then 200; the retry is due about 5 s later
// and carries the same webhook-id.
func TestRetryThenDeliver(t *testing.T) {
	w := setup(t)
	start := time.Now()
	w.setClock(start)
	rcv := newReceiver(t, func(n int, rw http.ResponseWriter) {
		if n == 1 {
			rw.WriteHeader(500)
			io.WriteString(rw, "database\r\ndown")
			return
		}
		rw.WriteHeader(200)
	})
	ep, secret := w.addEndpoint(t, w.a, rcv.URL)
	w.event(t, w.a, w.da, "invoice.created", map[string]string{"number": "INV-1"})

	errs := w.deliverAll(t)
	var retry *jobs.RetryAtError
	if len(errs) != 1 || !errors.As(errs[0], &retry) {
		t.Fatalf("first attempt: %v, want a RetryAtError", errs)
	}
	if wait := retry.At.Sub(start); wait < 4500*time.Millisecond || wait > 5500*time.Millisecond {
		t.Errorf("retry in %v, want 5 s ± 10 %%", wait)
	}
	d := w.delivery(t, w.a, ep.ID)
	if d.State != hooks.StatePending || d.Attempts != 1 || d.LastError != "HTTP 500: database  down" ||
		d.NextAttemptAt == nil || d.NextAttemptAt.Sub(retry.At).Abs() > time.Millisecond {
		t.Errorf("after the failure: %+v (error %q)", d, d.LastError)
	}

	w.setClock(start.Add(6 * time.Second))
	if errs := w.run(t, w.svc, hooks.KindDeliver); len(errs) != 1 || errs[0] != nil {
		t.Fatalf("second attempt: %v", errs)
	}
	reqs := rcv.requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	if id0, id1 := reqs[0].Header.Get("webhook-id"), reqs[1].Header.Get("webhook-id"); id0 == "" || id0 != id1 {
		t.Errorf("webhook-id changed between attempts: %q, %q", id0, id1)
	}
	if string(reqs[0].Body) != string(reqs[1].Body) {
		t.Error("body changed between attempts")
	}
	for _, r := range reqs {
		if err := verify(secret, r); err != nil {
			t.Error(err)
		}
	}
	d = w.delivery(t, w.a, ep.ID)
	if d.State != hooks.StateDelivered || d.Attempts != 2 {
		t.Errorf("after the retry: %+v", d)
	}
	attempts, _ := w.svc.Attempts(ctx, w.a, d.ID)
	if len(attempts) != 2 || *attempts[0].Status != 500 || *attempts[1].Status != 200 {
		t.Errorf("attempts: %+v", attempts)
	}
}

// TestRetryAfter: a 503 with Retry-After pushes the next attempt back; a
// 500's Retry-After is not a reason to wait.
func TestRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		name       string
		status     int
		retryAfter func(now time.Time) string
		min, max   time.Duration
	}{
		{"503 seconds", 503, func(time.Time) string { return "120" }, 120 * time.Second, 120 * time.Second},
		{"429 date", 429, func(now time.Time) string { return now.Add(time.Hour).UTC().Format(http.TimeFormat) }, 59 * time.Minute, time.Hour},
		{"503 earlier than schedule", 503, func(time.Time) string { return "1" }, 4500 * time.Millisecond, 5500 * time.Millisecond},
		{"500 ignores it", 500, func(time.Time) string { return "120" }, 4500 * time.Millisecond, 5500 * time.Millisecond},
		{"503 capped at 24 h", 503, func(time.Time) string { return "9999999" }, 24 * time.Hour, 24 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := setup(t)
			now := time.Now().Truncate(time.Second)
			w.setClock(now)
			rcv := newReceiver(t, func(_ int, rw http.ResponseWriter) {
				rw.Header().Set("Retry-After", tc.retryAfter(now))
				rw.WriteHeader(tc.status)
			})
			w.addEndpoint(t, w.a, rcv.URL)
			w.event(t, w.a, w.da, "payment.failed", nil)
			errs := w.deliverAll(t)
			var retry *jobs.RetryAtError
			if len(errs) != 1 || !errors.As(errs[0], &retry) {
				t.Fatalf("%v, want a RetryAtError", errs)
			}
			if wait := retry.At.Sub(now); wait < tc.min || wait > tc.max {
				t.Errorf("next attempt in %v, want %v..%v", wait, tc.min, tc.max)
			}
		})
	}
}

// TestLastAttemptDead: the tenth failure kills the delivery and the job.
func TestLastAttemptDead(t *testing.T) {
	w := setup(t)
	rcv := newReceiver(t, statuses(502))
	ep, _ := w.addEndpoint(t, w.a, rcv.URL)
	w.event(t, w.a, w.da, "payment.failed", nil)
	w.run(t, w.svc, hooks.KindDispatch)
	j := w.pendingJobs(t, hooks.KindDeliver)[0]
	j.Attempt = hooks.MaxAttempts
	err := w.svc.Deliver(ctx, &j)
	var perm *jobs.PermanentError
	if !errors.As(err, &perm) {
		t.Fatalf("last attempt: %v, want a PermanentError", err)
	}
	if d := w.delivery(t, w.a, ep.ID); d.State != hooks.StateDead || d.LastError != "HTTP 502" {
		t.Errorf("delivery %+v", d)
	}
}

// TestGoneDisables: a 410 disables the endpoint, kills its pending
// deliveries without requests, and later events skip it.
func TestGoneDisables(t *testing.T) {
	w := setup(t)
	rcv := newReceiver(t, statuses(410))
	ep, _ := w.addEndpoint(t, w.a, rcv.URL)
	w.event(t, w.a, w.da, "payment.paid", nil)
	w.event(t, w.a, w.da, "payment.paid", nil)
	errs := w.deliverAll(t)
	if len(errs) != 2 || errs[0] != nil || errs[1] != nil {
		t.Fatalf("deliveries: %v", errs)
	}
	if n := len(rcv.requests()); n != 1 {
		t.Fatalf("%d requests, want 1 (the second delivery must not be sent)", n)
	}
	got, err := w.svc.Endpoint(ctx, w.a, ep.ID)
	if err != nil || got.Active() || !strings.Contains(got.DisabledReason, "410") {
		t.Fatalf("endpoint after 410: %+v, %v", got, err)
	}
	list, _ := w.svc.Deliveries(ctx, w.a, ep.ID, 10)
	for _, d := range list {
		if d.State != hooks.StateDead {
			t.Errorf("delivery %+v", d)
		}
	}
	w.event(t, w.a, w.da, "payment.paid", nil)
	w.deliverAll(t)
	if n := len(rcv.requests()); n != 1 {
		t.Errorf("%d requests after a later event", n)
	}
	if list, _ := w.svc.Deliveries(ctx, w.a, ep.ID, 10); len(list) != 2 {
		t.Errorf("a disabled endpoint got a delivery: %d", len(list))
	}

	// Enabled again, it receives new events.
	rcv.mu.Lock()
	rcv.answer = nil
	rcv.mu.Unlock()
	if err := w.svc.EnableEndpoint(ctx, w.a, ep.ID); err != nil {
		t.Fatal(err)
	}
	w.event(t, w.a, w.da, "payment.paid", nil)
	w.deliverAll(t)
	if n := len(rcv.requests()); n != 2 {
		t.Errorf("%d requests after enabling", n)
	}
}

// TestSSRFAtAdd: non-public targets are refused when the endpoint is
// added.
func TestSSRFAtAdd(t *testing.T) {
	w := setup(t)
	guarded := &hooks.Service{DB: w.db}
	for _, u := range []string{
		"http://127.0.0.1:8080/hook",
		"http://10.1.2.3/",
		"http://169.254.169.254/latest/meta-data/",
		"http://[::1]/",
		"http://[fd00:ec2::254]/",
		"http://[::ffff:127.0.0.1]/",
		"http://100.64.1.1/",
		"http://0.0.0.0/",
		"http://localhost:9000/",
		"http://192.168.1.1/",
	} {
		_, _, err := guarded.AddEndpoint(ctx, w.a, u, nil)
		e, ok := ar.AsError(err)
		if !ok || e.Code != ar.Invalid || e.Field != "url" {
			t.Errorf("%s: %v, want an invalid-url error", u, err)
		}
	}
	for _, tc := range []struct{ url, msg string }{
		{"ftp://example.com/", "https://"},
		{"https://user:pw@93.184.216.34/", "user name"},
		{"https:///path", "no host"},
		{"", "empty"},
		{"not a url", "https://"},
		{"https://no-such-host.invalid/", "does not resolve"},
	} {
		_, _, err := guarded.AddEndpoint(ctx, w.a, tc.url, nil)
		if _, ok := ar.AsError(err); !ok || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%q: %v, want an error saying %q", tc.url, err, tc.msg)
		}
	}
	_, _, err := guarded.AddEndpoint(ctx, w.a, "https://93.184.216.34/hook", []string{"payment.paid", "no.such"})
	if err == nil || !strings.Contains(err.Error(), `"no.such"`) {
		t.Errorf("unknown event type: %v", err)
	}
	ep, secret, err := guarded.AddEndpoint(ctx, w.a, "https://93.184.216.34/hook#frag", []string{"payment.paid", "invoice.created", "payment.paid"})
	if err != nil || ep.URL != "https://93.184.216.34/hook" || strings.Join(ep.EventTypes, ",") != "invoice.created,payment.paid" ||
		!strings.HasPrefix(secret, "whsec_") {
		t.Errorf("public endpoint: %+v, %v", ep, err)
	}
	if list, _ := guarded.Endpoints(ctx, w.a); len(list) != 1 {
		t.Errorf("%d endpoints stored, want only the public one", len(list))
	}
}

// TestSSRFAtSend: an endpoint registered while private targets were
// allowed is refused by the dialer when they are not.
func TestSSRFAtSend(t *testing.T) {
	w := setup(t)
	rcv := newReceiver(t, nil)
	ep, _ := w.addEndpoint(t, w.a, rcv.URL)
	w.event(t, w.a, w.da, "payment.paid", nil)
	w.run(t, w.svc, hooks.KindDispatch)

	guarded := &hooks.Service{DB: w.db}
	errs := w.run(t, guarded, hooks.KindDeliver)
	var retry *jobs.RetryAtError
	if len(errs) != 1 || !errors.As(errs[0], &retry) {
		t.Fatalf("%v, want a RetryAtError", errs)
	}
	if n := len(rcv.requests()); n != 0 {
		t.Fatalf("the receiver got %d requests", n)
	}
	d := w.delivery(t, w.a, ep.ID)
	if d.State != hooks.StatePending || d.Attempts != 1 || d.LastStatus != nil || !strings.Contains(d.LastError, "SSRF") ||
		!strings.Contains(d.LastError, "127.0.0.1") {
		t.Errorf("delivery %+v (error %q)", d, d.LastError)
	}
	attempts, _ := w.svc.Attempts(ctx, w.a, d.ID)
	if len(attempts) != 1 || attempts[0].Status != nil || attempts[0].Error == "" {
		t.Errorf("attempts %+v", attempts)
	}
}

// TestNoRedirects: a 302 is a failure and its target sees nothing.
func TestNoRedirects(t *testing.T) {
	w := setup(t)
	other := newReceiver(t, nil)
	rcv := newReceiver(t, func(_ int, rw http.ResponseWriter) {
		rw.Header().Set("Location", other.URL+"/steal")
		rw.WriteHeader(http.StatusFound)
	})
	ep, _ := w.addEndpoint(t, w.a, rcv.URL)
	w.event(t, w.a, w.da, "payment.paid", nil)
	errs := w.deliverAll(t)
	var retry *jobs.RetryAtError
	if len(errs) != 1 || !errors.As(errs[0], &retry) {
		t.Fatalf("%v, want a RetryAtError", errs)
	}
	if len(rcv.requests()) != 1 || len(other.requests()) != 0 {
		t.Fatalf("requests: %d to the endpoint, %d to the redirect target", len(rcv.requests()), len(other.requests()))
	}
	if d := w.delivery(t, w.a, ep.ID); d.LastStatus == nil || *d.LastStatus != 302 || !strings.Contains(d.LastError, "redirect") {
		t.Errorf("delivery %+v", d)
	}
}

// TestEventTypeFilter: an endpoint gets only the types it subscribed to.
func TestEventTypeFilter(t *testing.T) {
	w := setup(t)
	paid := newReceiver(t, nil)
	all := newReceiver(t, nil)
	w.addEndpoint(t, w.a, paid.URL, "payment.paid")
	w.addEndpoint(t, w.a, all.URL)
	w.event(t, w.a, w.da, "invoice.created", nil)
	w.deliverAll(t)
	if len(paid.requests()) != 0 || len(all.requests()) != 1 {
		t.Fatalf("invoice.created: %d to payment.paid-only, %d to all", len(paid.requests()), len(all.requests()))
	}
	ev := w.event(t, w.a, w.da, "payment.paid", nil)
	w.deliverAll(t)
	if r := paid.requests(); len(r) != 1 || r[0].Header.Get("webhook-id") != ev.PublicID || len(all.requests()) != 2 {
		t.Fatalf("payment.paid: %d to payment.paid-only, %d to all", len(paid.requests()), len(all.requests()))
	}
}

// TestCreditorIsolation: one creditor's events and endpoints are
// invisible to another.
func TestCreditorIsolation(t *testing.T) {
	w := setup(t)
	ra, rb := newReceiver(t, nil), newReceiver(t, nil)
	epA, _ := w.addEndpoint(t, w.a, ra.URL)
	epB, _ := w.addEndpoint(t, w.b, rb.URL)
	w.event(t, w.a, w.da, "payment.paid", nil)
	w.deliverAll(t)
	if len(ra.requests()) != 1 || len(rb.requests()) != 0 {
		t.Fatalf("A's event: %d to A, %d to B", len(ra.requests()), len(rb.requests()))
	}
	w.event(t, w.b, w.db_, "payment.paid", nil)
	w.deliverAll(t)
	if len(ra.requests()) != 1 || len(rb.requests()) != 1 {
		t.Fatalf("B's event: %d to A, %d to B", len(ra.requests()), len(rb.requests()))
	}

	list, err := w.svc.Endpoints(ctx, w.b)
	if err != nil || len(list) != 1 || list[0].ID != epB.ID {
		t.Errorf("B's endpoints: %+v, %v", list, err)
	}
	if _, err := w.svc.Endpoint(ctx, w.b, epA.ID); !ar.IsNotFound(err) {
		t.Errorf("Endpoint(B, A's): %v", err)
	}
	if err := w.svc.RemoveEndpoint(ctx, w.b, epA.ID); !ar.IsNotFound(err) {
		t.Errorf("RemoveEndpoint(B, A's): %v", err)
	}
	if _, err := w.svc.RotateSecret(ctx, w.b, epA.ID); !ar.IsNotFound(err) {
		t.Errorf("RotateSecret(B, A's): %v", err)
	}
	if err := w.svc.EnableEndpoint(ctx, w.b, epA.ID); !ar.IsNotFound(err) {
		t.Errorf("EnableEndpoint(B, A's): %v", err)
	}
	if list, err := w.svc.Deliveries(ctx, w.b, epA.ID, 10); err != nil || len(list) != 0 {
		t.Errorf("Deliveries(B, A's endpoint): %d, %v", len(list), err)
	}
	dA := w.delivery(t, w.a, epA.ID)
	if err := w.svc.Replay(ctx, w.b, dA.ID); !ar.IsNotFound(err) {
		t.Errorf("Replay(B, A's delivery): %v", err)
	}
	if _, err := w.svc.Delivery(ctx, w.b, dA.ID); !ar.IsNotFound(err) {
		t.Errorf("Delivery(B, A's delivery): %v", err)
	}
	if list, err := w.svc.Attempts(ctx, w.b, dA.ID); err != nil || len(list) != 0 {
		t.Errorf("Attempts(B, A's delivery): %d, %v", len(list), err)
	}
	if list, _ := w.svc.Endpoints(ctx, w.a); len(list) != 1 {
		t.Error("A's endpoint is gone")
	}
}

// TestRotateSecret: after a rotation both secrets verify for 24 hours,
// then only the new one.
func TestRotateSecret(t *testing.T) {
	w := setup(t)
	young, old := newReceiver(t, nil), newReceiver(t, nil)
	epYoung, s1Young := w.addEndpoint(t, w.a, young.URL)
	epOld, s1Old := w.addEndpoint(t, w.a, old.URL)

	real := time.Now()
	w.setClock(real.Add(-23 * time.Hour)) // rotated 23 h ago
	s2Young, err := w.svc.RotateSecret(ctx, w.a, epYoung.ID)
	if err != nil {
		t.Fatal(err)
	}
	w.setClock(real.Add(-25 * time.Hour)) // rotated 25 h ago
	s2Old, err := w.svc.RotateSecret(ctx, w.a, epOld.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s2Young, "whsec_") || s2Young == s1Young || s2Old == s1Old {
		t.Fatal("rotation did not make a new secret")
	}
	w.clockSet = false // deliver now

	w.event(t, w.a, w.da, "payment.paid", nil)
	w.deliverAll(t)
	ry, ro := young.requests(), old.requests()
	if len(ry) != 1 || len(ro) != 1 {
		t.Fatalf("requests: %d, %d", len(ry), len(ro))
	}
	if err := verify(s2Young, ry[0]); err != nil {
		t.Errorf("within 24 h, new secret: %v", err)
	}
	if err := verify(s1Young, ry[0]); err != nil {
		t.Errorf("within 24 h, old secret: %v", err)
	}
	if n := len(strings.Fields(ry[0].Header.Get("webhook-signature"))); n != 2 {
		t.Errorf("within 24 h: %d signatures, want 2", n)
	}
	if err := verify(s2Old, ro[0]); err != nil {
		t.Errorf("after 24 h, new secret: %v", err)
	}
	if err := verify(s1Old, ro[0]); err == nil {
		t.Error("after 24 h, the old secret still verifies")
	}
	if n := len(strings.Fields(ro[0].Header.Get("webhook-signature"))); n != 1 {
		t.Errorf("after 24 h: %d signatures, want 1", n)
	}
	got, _ := w.svc.Endpoint(ctx, w.a, epYoung.ID)
	if got.PreviousSecretUntil == nil || got.PreviousSecretUntil.Sub(real) < 59*time.Minute || got.PreviousSecretUntil.Sub(real) > 61*time.Minute {
		t.Errorf("PreviousSecretUntil %v, want about an hour from now", got.PreviousSecretUntil)
	}
}

// TestReplay sends a delivered event again, same webhook-id, and a job of
// the earlier round sends nothing.
func TestReplay(t *testing.T) {
	w := setup(t)
	rcv := newReceiver(t, nil)
	ep, _ := w.addEndpoint(t, w.a, rcv.URL)
	w.event(t, w.a, w.da, "payment.paid", nil)
	w.run(t, w.svc, hooks.KindDispatch)
	first := w.pendingJobs(t, hooks.KindDeliver)[0]
	w.run(t, w.svc, hooks.KindDeliver)
	d := w.delivery(t, w.a, ep.ID)
	if err := w.svc.Replay(ctx, w.a, d.ID); err != nil {
		t.Fatal(err)
	}
	if d2, _ := w.svc.Delivery(ctx, w.a, d.ID); d2.State != hooks.StatePending || d2.Round != 2 {
		t.Fatalf("after replay: %+v", d2)
	}
	// The first round's job again: superseded, sends nothing.
	if err := w.svc.Deliver(ctx, &first); err != nil || len(rcv.requests()) != 1 {
		t.Fatalf("old round: %v, %d requests", err, len(rcv.requests()))
	}
	if errs := w.run(t, w.svc, hooks.KindDeliver); len(errs) != 1 || errs[0] != nil {
		t.Fatalf("replay: %v", errs)
	}
	reqs := rcv.requests()
	if len(reqs) != 2 || reqs[0].Header.Get("webhook-id") != reqs[1].Header.Get("webhook-id") {
		t.Fatalf("replay requests: %d", len(reqs))
	}
	if d2, _ := w.svc.Delivery(ctx, w.a, d.ID); d2.State != hooks.StateDelivered || d2.Attempts != 2 {
		t.Errorf("after the replay: %+v", d2)
	}
}

// TestRemoveEndpoint: a removed endpoint's pending job ends quietly.
func TestRemoveEndpoint(t *testing.T) {
	w := setup(t)
	rcv := newReceiver(t, nil)
	ep, _ := w.addEndpoint(t, w.a, rcv.URL)
	w.event(t, w.a, w.da, "payment.paid", nil)
	w.run(t, w.svc, hooks.KindDispatch)
	if err := w.svc.RemoveEndpoint(ctx, w.a, ep.ID); err != nil {
		t.Fatal(err)
	}
	if err := w.svc.RemoveEndpoint(ctx, w.a, ep.ID); !ar.IsNotFound(err) {
		t.Errorf("second remove: %v", err)
	}
	if errs := w.run(t, w.svc, hooks.KindDeliver); len(errs) != 1 || errs[0] != nil {
		t.Fatalf("deliver after remove: %v", errs)
	}
	if len(rcv.requests()) != 0 {
		t.Error("a removed endpoint got a request")
	}
}

func TestBadPayloads(t *testing.T) {
	w := setup(t)
	var perm *jobs.PermanentError
	for _, h := range []jobs.Handler{w.svc.Dispatch, w.svc.Deliver} {
		if err := h(ctx, &jobs.Job{Payload: json.RawMessage(`{}`), Attempt: 1}); !errors.As(err, &perm) {
			t.Errorf("empty payload: %v", err)
		}
	}
	if err := w.svc.Dispatch(ctx, &jobs.Job{Payload: json.RawMessage(`{"event_id": 999999}`), Attempt: 1}); !errors.As(err, &perm) {
		t.Errorf("unknown event: %v", err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func atoi(t *testing.T, s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
