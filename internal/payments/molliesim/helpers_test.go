package molliesim_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/VictorAvelar/mollie-api-go/v4/mollie"

	"github.com/settle/settle/internal/payments/molliesim"
)

const testKey = "test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM"

// clock is a settable clock for expiry tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type env struct {
	sim    *molliesim.Simulator
	srv    *httptest.Server
	base   string
	client *mollie.Client
	clock  *clock
}

// newEnv runs the simulator under /_mollie/ on a test server, the way
// Settle mounts it, and a real Mollie client pointed at it.
func newEnv(t *testing.T, opts molliesim.Options) *env {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	e := &env{srv: srv, base: srv.URL + "/_mollie/", clock: &clock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}}
	opts.BaseURL = e.base
	if opts.Now == nil {
		opts.Now = e.clock.Now
	}
	if opts.WebhookRetries == nil {
		opts.WebhookRetries = []time.Duration{20 * time.Millisecond, 40 * time.Millisecond}
	}
	e.sim = molliesim.New(opts)
	mux.Handle("/_mollie/", e.sim.Handler())
	t.Cleanup(func() {
		_ = e.sim.Close()
		srv.Close()
	})
	e.client = newClient(t, e.base, testKey)
	return e
}

// idemKey carries the Idempotency-Key for one call in its context: the
// library's own toggle would send a fresh random key per request.
type idemKey struct{}

func withIdem(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, idemKey{}, key)
}

type idemTransport struct{ base http.RoundTripper }

func (t idemTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if k, ok := r.Context().Value(idemKey{}).(string); ok && r.Method == http.MethodPost {
		r = r.Clone(r.Context())
		r.Header.Set("Idempotency-Key", k)
	}
	return t.base.RoundTrip(r)
}

// newClient configures the library exactly as Settle should.
func newClient(t *testing.T, base, key string) *mollie.Client {
	t.Helper()
	hc := &http.Client{Transport: idemTransport{http.DefaultTransport}, Timeout: 10 * time.Second}
	c, err := mollie.NewClient(hc, mollie.NewAPITestingConfig(false))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WithAuthenticationValue(key); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	c.BaseURL = u
	return c
}

// receiver is a merchant webhook endpoint.
type receiver struct {
	srv   *httptest.Server
	calls chan url.Values
	mu    sync.Mutex
	fail  int // answer 500 to this many calls first
}

func newReceiver(t *testing.T, failFirst int) *receiver {
	t.Helper()
	rc := &receiver{calls: make(chan url.Values, 100), fail: failFirst}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
			t.Errorf("webhook: %s with Content-Type %q", r.Method, r.Header.Get("Content-Type"))
		}
		if err := r.ParseForm(); err != nil {
			t.Errorf("webhook form: %v", err)
		}
		rc.calls <- r.PostForm
		rc.mu.Lock()
		fail := rc.fail > 0
		rc.fail--
		rc.mu.Unlock()
		if fail {
			http.Error(w, "boom", http.StatusInternalServerError)
		}
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) URL() string { return rc.srv.URL + "/webhooks/mollie" }

func (rc *receiver) wait(t *testing.T) url.Values {
	t.Helper()
	select {
	case v := <-rc.calls:
		return v
	case <-time.After(5 * time.Second):
		t.Fatal("no webhook call within 5 s")
		return nil
	}
}

func (rc *receiver) none(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case v := <-rc.calls:
		t.Fatalf("unexpected webhook call %v", v)
	case <-time.After(d):
	}
}

func createPayment(t *testing.T, ctx context.Context, c *mollie.Client, value, hook string, mod ...func(*mollie.CreatePayment)) *mollie.Payment {
	t.Helper()
	cp := mollie.CreatePayment{
		Amount:      &mollie.Amount{Currency: "EUR", Value: value},
		Description: "Invoice 2026-0042",
		RedirectURL: "https://settle.example/account/payments/pay_1",
		WebhookURL:  hook,
		Metadata:    map[string]string{"payment": "pay_1"},
		Locale:      mollie.German,
	}
	for _, m := range mod {
		m(&cp)
	}
	_, p, err := c.Payments.Create(ctx, cp, nil)
	if err != nil {
		t.Fatalf("create payment: %v", err)
	}
	return p
}

func baseError(t *testing.T, err error) *mollie.BaseError {
	t.Helper()
	var be *mollie.BaseError
	if !errors.As(err, &be) {
		t.Fatalf("error %v (%T) is not a *mollie.BaseError", err, err)
	}
	return be
}

// noRedirect is a browser that shows us the redirects.
var noRedirect = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func checkoutPost(t *testing.T, href string, form url.Values) *http.Response {
	t.Helper()
	resp, err := noRedirect.PostForm(href, form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}
