package molliesim

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Options configure a Simulator.
type Options struct {
	// BaseURL is the absolute URL at which Handler is served, with a
	// trailing slash, e.g. "http://localhost:8080/_mollie/". The API is
	// under BaseURL+"v2/", the hosted checkout under BaseURL+"checkout/",
	// the method icons under BaseURL+"img/". Point the Mollie client's
	// BaseURL at it.
	BaseURL string
	// Client makes the webhook calls. nil: 10 s timeout, redirects are not
	// followed (a 3xx counts as a failed call).
	Client *http.Client
	// Now is the clock (expiry, timestamps); nil: time.Now.
	Now func() time.Time
	// Log receives webhook and fault diagnostics; nil: discarded.
	Log *slog.Logger
	// Methods enabled on the single simulated profile; nil:
	// DefaultMethods().
	Methods []Method
	// WebhookRetries are the pauses before the 2nd, 3rd, … webhook
	// attempt after a failed one (Mollie: 1, 2, 4, 8, 16, 29 min, 1, 2,
	// 22 h). nil: 1 s, 2 s, 4 s. An empty non-nil slice: no retries.
	WebhookRetries []time.Duration
	// IdempotencyTTL is how long an Idempotency-Key is remembered; 0:
	// one hour, as Mollie documents.
	IdempotencyTTL time.Duration
	// Fault, if set, is asked about every API request; see FaultFunc.
	Fault FaultFunc
}

// FaultFunc decides a fault for one API request (not for checkout pages
// or icons): wait delay first (ended early if the caller gives up), then
// answer status (≥ 400) with Mollie's error JSON without processing the
// request, or, with status 0 and drop, process the request and then cut
// the connection instead of answering (the caller never learns the
// outcome: the case Idempotency-Key exists for). It may be called from
// several goroutines at once.
type FaultFunc func(r *http.Request) (status int, delay time.Duration, drop bool)

// Errors of the test helpers.
var (
	ErrNotFound = errors.New("molliesim: not found")
	ErrInvalid  = errors.New("molliesim: invalid")
	ErrFinal    = errors.New("molliesim: payment is in a final state")
)

// Simulator is an in-memory simulation of the Mollie API (v2) for one
// test-mode profile, with a hosted checkout. All state lives in memory
// and is lost when the process ends.
type Simulator struct {
	base      string // BaseURL with trailing slash
	basePath  string // its path, with trailing slash
	client    *http.Client
	clock     func() time.Time
	log       *slog.Logger
	methods   []*method
	retries   []time.Duration
	idemTTL   time.Duration
	profileID string
	api       *http.ServeMux
	icons     map[string]icon

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu           sync.Mutex
	closed       bool
	payments     map[string]*payment
	paymentList  []*payment // creation order
	customers    map[string]*customer
	customerList []*customer
	mandates     map[string]*mandate
	refundList   []*refund
	chargebacks  []*chargeback
	idem         map[idemScope]*idemEntry
	requests     []RequestRecord
	hookLog      []WebhookCall
	hookDropped  int
	dropHooks    bool
	failN        int
	failStatus   int
	delayAll     time.Duration
	delayN       int
	delayNext    time.Duration
	dropN        int
	fault        FaultFunc
}

type icon struct {
	contentType string
	body        []byte
}

// New returns a simulator. It panics if opts.BaseURL is not an absolute
// http(s) URL ending in "/" or a Method is malformed: both are
// programming errors.
func New(opts Options) *Simulator {
	u, err := url.Parse(opts.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || !strings.HasSuffix(u.Path, "/") {
		panic(fmt.Sprintf("molliesim: BaseURL %q must be an absolute http(s) URL ending in /", opts.BaseURL))
	}
	ms := opts.Methods
	if ms == nil {
		ms = DefaultMethods()
	}
	methods, err := compileMethods(ms)
	if err != nil {
		panic(err.Error())
	}
	s := &Simulator{
		base:      opts.BaseURL,
		basePath:  u.Path,
		client:    opts.Client,
		clock:     opts.Now,
		log:       opts.Log,
		methods:   methods,
		retries:   opts.WebhookRetries,
		idemTTL:   opts.IdempotencyTTL,
		profileID: newID("pfl_"),
		icons:     map[string]icon{},
		payments:  map[string]*payment{},
		customers: map[string]*customer{},
		mandates:  map[string]*mandate{},
		idem:      map[idemScope]*idemEntry{},
		fault:     opts.Fault,
	}
	if s.client == nil {
		s.client = &http.Client{
			Timeout:       10 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	if s.clock == nil {
		s.clock = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.retries == nil {
		s.retries = []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}
	}
	if s.idemTTL <= 0 {
		s.idemTTL = time.Hour
	}
	for _, m := range methods {
		s.icons[m.ID+".svg"] = icon{"image/svg+xml", m.iconSVG()}
		s.icons[m.ID+".png"] = icon{"image/png", m.iconPNG(1)}
		s.icons[m.ID+"@2x.png"] = icon{"image/png", m.iconPNG(2)}
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.api = s.apiRoutes()
	return s
}

// BaseURL returns Options.BaseURL.
func (s *Simulator) BaseURL() string { return s.base }

// CheckoutURL returns the hosted checkout page of a payment.
func (s *Simulator) CheckoutURL(paymentID string) string {
	return s.base + "checkout/" + url.PathEscape(paymentID)
}

// Close stops webhook delivery (pending retries are abandoned) and waits
// for calls under way to end. The handler keeps answering.
func (s *Simulator) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
	return nil
}

// Handler serves the API, the checkout pages and the icons. Mount it at
// BaseURL's path (mux.Handle("/_mollie/", sim.Handler())); a handler
// behind http.StripPrefix works too.
func (s *Simulator) Handler() http.Handler {
	return http.HandlerFunc(s.serveHTTP)
}

func (s *Simulator) serveHTTP(w http.ResponseWriter, r *http.Request) {
	rel := r.URL.Path
	if strings.HasPrefix(rel, s.basePath) {
		rel = "/" + rel[len(s.basePath):]
	} else if !strings.HasPrefix(rel, "/") {
		rel = "/" + rel
	}
	r2 := r.Clone(r.Context())
	r2.URL.Path, r2.URL.RawPath = rel, ""
	switch {
	case strings.HasPrefix(rel, "/v2/"):
		s.serveAPI(w, r2)
	case strings.HasPrefix(rel, "/checkout/"):
		s.serveCheckout(w, r2)
	case strings.HasPrefix(rel, "/img/"):
		s.serveIcon(w, r2)
	default:
		http.NotFound(w, r)
	}
}

func (s *Simulator) serveIcon(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	ic, ok := s.icons[strings.TrimPrefix(r.URL.Path, "/img/")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", ic.contentType)
	h.Set("Cache-Control", "public, max-age=86400")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	h.Set("Content-Length", fmt.Sprint(len(ic.body)))
	if r.Method == http.MethodGet {
		_, _ = w.Write(ic.body)
	}
}

func (s *Simulator) now() time.Time { return s.clock().UTC() }

// ---- faults ----

// FailNext makes the next n API requests fail with status (e.g. 500,
// 502, 503, 429) and Mollie's error JSON, without processing them.
func (s *Simulator) FailNext(n, status int) {
	if status < 400 || status > 599 {
		panic("molliesim: FailNext status must be 4xx or 5xx")
	}
	s.mu.Lock()
	s.failN, s.failStatus = n, status
	s.mu.Unlock()
}

// Delay delays every API request by d until Delay(0).
func (s *Simulator) Delay(d time.Duration) {
	s.mu.Lock()
	s.delayAll = d
	s.mu.Unlock()
}

// DelayNext delays the next n API requests by d.
func (s *Simulator) DelayNext(n int, d time.Duration) {
	s.mu.Lock()
	s.delayN, s.delayNext = n, d
	s.mu.Unlock()
}

// DropNextResponses makes the next n API requests take effect but cuts
// the connection instead of answering.
func (s *Simulator) DropNextResponses(n int) {
	s.mu.Lock()
	s.dropN = n
	s.mu.Unlock()
}

// SetFault replaces Options.Fault (nil: none).
func (s *Simulator) SetFault(f FaultFunc) {
	s.mu.Lock()
	s.fault = f
	s.mu.Unlock()
}

// DropWebhooks(true) makes status changes send no webhook at all (as if
// Mollie's calls never arrived), until DropWebhooks(false); the
// reconciler has to notice by polling.
func (s *Simulator) DropWebhooks(drop bool) {
	s.mu.Lock()
	s.dropHooks = drop
	s.mu.Unlock()
}

type fault struct {
	status int
	delay  time.Duration
	drop   bool
}

func (s *Simulator) takeFault(r *http.Request) fault {
	s.mu.Lock()
	var f fault
	if s.failN > 0 {
		s.failN--
		f.status = s.failStatus
	}
	f.delay = s.delayAll
	if s.delayN > 0 {
		s.delayN--
		f.delay += s.delayNext
	}
	if s.dropN > 0 {
		s.dropN--
		f.drop = true
	}
	hook := s.fault
	s.mu.Unlock()
	if hook != nil {
		st, d, drop := hook(r)
		if f.status == 0 && st >= 400 {
			f.status = st
		}
		f.delay += d
		f.drop = f.drop || drop
	}
	return f
}

// ---- inspection ----

// Amount is a Mollie amount.
type Amount struct {
	Currency string
	Value    string
}

// Payment is a snapshot of a simulated payment.
type Payment struct {
	ID, Status, Method, Description string
	SequenceType                    string
	CustomerID, MandateID           string
	Amount                          Amount
	AmountRefunded                  Amount
	AmountChargedBack               Amount
	RedirectURL, WebhookURL         string
	Metadata                        json.RawMessage
	// IdempotencyKey is the key of the request that created the payment.
	IdempotencyKey                                                string
	CreatedAt, ExpiresAt, PaidAt, CanceledAt, ExpiredAt, FailedAt time.Time
	Refunds                                                       []Refund
	Chargebacks                                                   []Chargeback
}

// Refund is a snapshot of a refund.
type Refund struct {
	ID, Status string
	Amount     Amount
	CreatedAt  time.Time
}

// Chargeback is a snapshot of a chargeback.
type Chargeback struct {
	ID        string
	Amount    Amount
	CreatedAt time.Time
}

// RequestRecord describes one API request the simulator received.
type RequestRecord struct {
	At             time.Time
	Method, Path   string
	IdempotencyKey string // "" if the request had none
	Status         int    // answered status; 0 if the answer was dropped
	Replayed       bool   // answered from the idempotency cache
	Fault          string // "", "status", "drop", or "delay" (the caller gave up while delayed)
}

// WebhookCall describes one webhook attempt.
type WebhookCall struct {
	At        time.Time
	PaymentID string
	URL       string
	Attempt   int    // 1 for the first call
	Status    int    // HTTP status, 0 on a network error
	Err       string // network error, if any
}

func (a money) snap() Amount { return Amount{Currency: a.Currency, Value: a.Value()} }

func (p *payment) snapshot() Payment {
	out := Payment{
		ID: p.id, Status: p.status, Method: p.method, Description: p.description,
		SequenceType: p.sequenceType, CustomerID: p.customerID, MandateID: p.mandateID,
		Amount:            p.amount.snap(),
		AmountRefunded:    money{p.amount.Currency, p.refunded}.snap(),
		AmountChargedBack: money{p.amount.Currency, p.chargedBack}.snap(),
		RedirectURL:       p.redirectURL, WebhookURL: p.webhookURL,
		Metadata:       append(json.RawMessage(nil), p.metadata...),
		IdempotencyKey: p.idemKey,
		CreatedAt:      p.createdAt, ExpiresAt: p.expiresAt, PaidAt: p.paidAt,
		CanceledAt: p.canceledAt, ExpiredAt: p.expiredAt, FailedAt: p.failedAt,
	}
	for _, r := range p.refunds {
		out.Refunds = append(out.Refunds, Refund{ID: r.id, Status: r.status, Amount: r.amount.snap(), CreatedAt: r.createdAt})
	}
	for _, c := range p.chargebacks {
		out.Chargebacks = append(out.Chargebacks, Chargeback{ID: c.id, Amount: c.amount.snap(), CreatedAt: c.createdAt})
	}
	return out
}

// Payments returns all payments, oldest first (after expiring those that
// are due).
func (s *Simulator) Payments() []Payment {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expireDueLocked(s.now())
	out := make([]Payment, 0, len(s.paymentList))
	for _, p := range s.paymentList {
		out = append(out, p.snapshot())
	}
	return out
}

// Payment returns one payment.
func (s *Simulator) Payment(id string) (Payment, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expireDueLocked(s.now())
	p, ok := s.payments[id]
	if !ok {
		return Payment{}, false
	}
	return p.snapshot(), true
}

// Requests returns every API request received so far, in order.
func (s *Simulator) Requests() []RequestRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]RequestRecord(nil), s.requests...)
}

// IdempotencyKeys returns the Idempotency-Key of every POST request
// received so far, in order ("" for a request without one).
func (s *Simulator) IdempotencyKeys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var keys []string
	for _, r := range s.requests {
		if r.Method == http.MethodPost {
			keys = append(keys, r.IdempotencyKey)
		}
	}
	return keys
}

// WebhookCalls returns how many webhook calls (attempts, retries
// included) have been made.
func (s *Simulator) WebhookCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.hookLog)
}

// WebhookLog returns every webhook attempt so far, in order.
func (s *Simulator) WebhookLog() []WebhookCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]WebhookCall(nil), s.hookLog...)
}

// ---- ids ----

const idAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// newID returns prefix + 10 random base-62 characters, like Mollie's
// "tr_WDqYK6vllg".
func newID(prefix string) string {
	return prefix + randString(idAlphabet, 10)
}

func randString(alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[randIntn(len(alphabet))]
	}
	return string(b)
}

// randIntn returns a uniform random int in [0, n) from crypto/rand.
func randIntn(n int) int {
	var b [1]byte
	limit := 256 - 256%n
	for {
		_, _ = rand.Read(b[:])
		if int(b[0]) < limit {
			return int(b[0]) % n
		}
	}
}
