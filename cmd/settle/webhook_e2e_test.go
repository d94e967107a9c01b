package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/billing"
	"github.com/settle/settle/internal/testdb"
)

// hook is one webhook request as the creditor's receiver saw it.
type hook struct {
	ID, Type string
	Data     map[string]any
	At       time.Time
	Err      error // signature check
}

// receiver is the creditor's webhook endpoint: it verifies each request
// with the Standard Webhooks reference library.
type receiver struct {
	srv    *httptest.Server
	secret string
	down   atomic.Bool
	mu     sync.Mutex
	got    []hook
	tried  atomic.Int64
	notify chan hook
}

func newReceiver(t testing.TB) *receiver {
	rc := &receiver{notify: make(chan hook, 10000)}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc.tried.Add(1)
		if rc.down.Load() {
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		body, _ := io.ReadAll(r.Body)
		var h hook
		var ev struct {
			ID   string         `json:"id"`
			Type string         `json:"type"`
			Data map[string]any `json:"data"`
		}
		json.Unmarshal(body, &ev)
		h.ID, h.Type, h.Data, h.At = ev.ID, ev.Type, ev.Data, time.Now()
		if wh, err := standardwebhooks.NewWebhook(rc.secret); err != nil {
			h.Err = err
		} else {
			h.Err = wh.Verify(body, r.Header)
		}
		if r.Header.Get("webhook-id") != ev.ID {
			h.Err = fmt.Errorf("webhook-id %q is not the event id %q", r.Header.Get("webhook-id"), ev.ID)
		}
		rc.mu.Lock()
		rc.got = append(rc.got, h)
		rc.mu.Unlock()
		rc.notify <- h
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

// wait returns the next delivered webhook of type typ.
func (rc *receiver) wait(t testing.TB, typ string, within time.Duration) hook {
	t.Helper()
	deadline := time.After(within)
	for {
		select {
		case h := <-rc.notify:
			if h.Type == typ {
				return h
			}
		case <-deadline:
			t.Fatalf("no %s webhook within %v", typ, within)
		}
	}
}

// startWithWebhook boots settle with its workers and registers rc for the
// demo creditor.
func startWithWebhook(t testing.TB, rc *receiver) (*app, *ar.Creditor, string) {
	t.Setenv("SETTLE_WEBHOOK_ALLOW_PRIVATE", "true")
	a := startApp(t, Config{DatabaseURL: testdb.NewURL(t), DataDir: t.TempDir(), Demo: true, Workers: true, LogFormat: "json"})
	c, key := registerWebhook(t, a, rc)
	return a, c, key
}

// registerWebhook adds rc as the demo creditor's webhook endpoint and
// returns the creditor and a new API key (settle must have been started
// with SETTLE_WEBHOOK_ALLOW_PRIVATE=true).
func registerWebhook(t testing.TB, a *app, rc *receiver) (*ar.Creditor, string) {
	ctx := context.Background()
	c, err := a.main.Store.CreditorBySlug(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	_, secret, err := a.main.Hooks.AddEndpoint(ctx, c.ID, rc.srv.URL+"/hooks", nil)
	if err != nil {
		t.Fatal(err)
	}
	rc.secret = secret
	key, prefix, hash := ar.NewAPIKey()
	if err := a.main.Store.CreateAPIKey(ctx, &ar.APIKey{CreditorID: c.ID, Prefix: prefix, KeyHash: hash}); err != nil {
		t.Fatal(err)
	}
	return c, key
}

func apiPost(t testing.TB, base, key, path, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("POST", base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	json.NewDecoder(res.Body).Decode(&m)
	return res.StatusCode, m
}

// TestPaymentReachesCreditor is the product's heartbeat end to end: a
// payment reported through the API reaches the creditor's endpoint as a
// signed payment.paid that the reference library verifies; and when the
// receiver is down, the same event (same webhook-id) arrives once it is
// back, nothing lost.
func TestPaymentReachesCreditor(t *testing.T) {
	rc := newReceiver(t)
	a, _, key := startWithWebhook(t, rc)
	status, body := apiPost(t, a.base, key, "/api/v1/payments", `{"customer_number": "10001",
		"amount_minor": 1000, "currency": "EUR", "value_date": "2026-11-20", "external_id": "E2E-1"}`)
	if status != 201 {
		t.Fatalf("payment: %d %v", status, body)
	}
	h := rc.wait(t, "payment.paid", 15*time.Second)
	if h.Err != nil {
		t.Fatalf("signature: %v", h.Err)
	}
	if h.Data["payment_id"] != body["id"] || h.Data["customer_number"] != "10001" {
		t.Errorf("payload %v", h.Data)
	}

	// The receiver goes down; the delivery fails and is scheduled again.
	rc.down.Store(true)
	before := rc.tried.Load()
	if status, _ := apiPost(t, a.base, key, "/api/v1/payments", `{"customer_number": "10001",
		"amount_minor": 500, "currency": "EUR", "value_date": "2026-11-20", "external_id": "E2E-2"}`); status != 201 {
		t.Fatal(status)
	}
	deadline := time.Now().Add(15 * time.Second)
	for rc.tried.Load() == before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if rc.tried.Load() == before {
		t.Fatal("no delivery attempt while the receiver was down")
	}
	// An hour passes (the retry comes due) and the receiver is back.
	rc.down.Store(false)
	if _, err := a.main.DB.Exec(`UPDATE jobs SET run_at = now() WHERE kind = 'webhook.deliver' AND state = 'pending'`); err != nil {
		t.Fatal(err)
	}
	h2 := rc.wait(t, "payment.paid", 15*time.Second)
	if h2.Err != nil || h2.Data["external_id"] != "E2E-2" {
		t.Errorf("after the outage: %v %v", h2.Err, h2.Data)
	}
	// The failed attempt was recorded for the same event, so this is the
	// retry of the same delivery (same webhook-id), not a new one.
	var failed int
	a.main.DB.Get(&failed, `SELECT count(*) FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
		JOIN events e ON e.id = d.event_id WHERE e.public_id = $1 AND a.status = 503`, h2.ID)
	if failed < 1 {
		t.Errorf("no failed attempt recorded for %s: the delivery after the outage was not a retry", h2.ID)
	}
}

// BenchmarkPaymentToWebhook measures the time from a committed
// payment.paid to the creditor's endpoint receiving it, at 1, 50 and 500
// payments a second (go test -run x -bench PaymentToWebhook ./cmd/settle).
func BenchmarkPaymentToWebhook(b *testing.B) {
	for _, rate := range []int{1, 50, 500} {
		b.Run(fmt.Sprintf("%d_per_s", rate), func(b *testing.B) {
			rc := newReceiver(b)
			a, c, _ := startWithWebhook(b, rc)
			svc := &billing.Service{Store: a.main.Store}
			n := max(b.N, rate*3) // at least three seconds of load
			if rate == 1 {
				n = max(b.N, 10)
			}
			sent := make(map[string]time.Time, n)
			var mu sync.Mutex
			tick := time.NewTicker(time.Second / time.Duration(rate))
			defer tick.Stop()
			b.ResetTimer()
			for i := 0; i < n; i++ {
				<-tick.C
				amount := int64(100)
				ext := fmt.Sprintf("B-%d-%d", rate, i)
				customer := fmt.Sprintf("%d", 10001+i%20) // spread over the demo's debtors, as real traffic is
				go func() {
					res, err := svc.RecordPayment(context.Background(), c, billing.PaymentInput{CustomerNumber: customer,
						AmountMinor: &amount, Currency: "EUR", ValueDate: "2026-11-20", ExternalID: ext})
					if err != nil {
						b.Error(err)
						return
					}
					mu.Lock()
					sent[res.Payment.PublicID] = time.Now() // committed
					mu.Unlock()
				}()
			}
			var lat []time.Duration
			deadline := time.After(60 * time.Second)
			for len(lat) < n {
				select {
				case h := <-rc.notify:
					if h.Type != "payment.paid" {
						continue
					}
					mu.Lock()
					at, ok := sent[h.Data["payment_id"].(string)]
					mu.Unlock()
					if ok {
						lat = append(lat, h.At.Sub(at))
					} else {
						lat = append(lat, 0) // arrived before the committer noted the time
					}
				case <-deadline:
					b.Fatalf("only %d of %d webhooks arrived", len(lat), n)
				}
			}
			b.StopTimer()
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50_ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99_ms")
			b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max_ms")
			a.stop(b)
		})
	}
}
