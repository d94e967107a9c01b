package payments

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/VictorAvelar/mollie-api-go/v4/mollie"
)

// LiveBaseURL is Mollie's API.
const LiveBaseURL = "https://api.mollie.com/"

// Client talks to Mollie (or the simulator) for any creditor's API key.
type Client struct {
	base    *url.URL
	http    *http.Client
	mu      sync.Mutex
	clients map[string]*mollie.Client // by API key

	methodsMu    sync.Mutex
	methodsCache map[string]methodsEntry
	MethodsTTL   time.Duration
}

type methodsEntry struct {
	at      time.Time
	methods []Method
}

type idemKey struct{}

// idempotency sets the Idempotency-Key of POST requests from the context.
type idempotency struct{ next http.RoundTripper }

func (t idempotency) RoundTrip(r *http.Request) (*http.Response, error) {
	if k, ok := r.Context().Value(idemKey{}).(string); ok && k != "" && r.Method == http.MethodPost {
		r = r.Clone(r.Context())
		r.Header.Set(mollie.IdempotencyKeyHeader, k)
	}
	return t.next.RoundTrip(r)
}

// NewClient returns a client for the API at baseURL (LiveBaseURL, or the
// simulator's URL + "v2/"'s parent, with a trailing slash). timeout caps
// every call.
func NewClient(baseURL string, timeout time.Duration) (*Client, error) {
	if !strings.HasSuffix(baseURL, "/") {
		baseURL += "/"
	}
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("payments: base URL: %w", err)
	}
	return &Client{
		base:         u,
		http:         &http.Client{Timeout: timeout, Transport: idempotency{next: http.DefaultTransport}},
		clients:      map[string]*mollie.Client{},
		methodsCache: map[string]methodsEntry{},
		MethodsTTL:   5 * time.Minute,
	}, nil
}

// ErrNoKey means the creditor has no Mollie key configured.
var ErrNoKey = errors.New("payments: the creditor has no Mollie API key")

func (c *Client) client(apiKey string) (*mollie.Client, error) {
	if apiKey == "" {
		return nil, ErrNoKey
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if mc, ok := c.clients[apiKey]; ok {
		return mc, nil
	}
	mc, err := mollie.NewClient(c.http, mollie.NewConfig(strings.HasPrefix(apiKey, "test_"), mollie.APITokenEnv))
	if err != nil {
		return nil, err
	}
	if err := mc.WithAuthenticationValue(apiKey); err != nil {
		return nil, err
	}
	mc.BaseURL = c.base
	c.clients[apiKey] = mc
	return mc, nil
}

// Payment is a provider payment as Settle needs it.
type Payment struct {
	ID               string
	Status           string // open, pending, authorized, paid, failed, canceled, expired
	AmountMinor      int64
	Currency         string
	RefundedMinor    int64
	ChargedBackMinor int64
	Method           string
	CheckoutURL      string
	PaidAt           *time.Time
	ExpiresAt        *time.Time
	Metadata         map[string]any
	// Recurring payments (autopay): the sequence type (oneoff, first,
	// recurring), the customer, and the mandate a paid first payment made
	// or a recurring one charges.
	SequenceType string
	CustomerID   string
	MandateID    string
}

// Final reports whether the status can no longer change (refunds and
// chargebacks aside).
func (p *Payment) Final() bool {
	switch p.Status {
	case "paid", "failed", "canceled", "expired":
		return true
	}
	return false
}

// CreateRequest is a new payment.
type CreateRequest struct {
	APIKey         string
	IdempotencyKey string // Settle's own payment id
	AmountMinor    int64
	Currency       string
	Description    string
	RedirectURL    string
	WebhookURL     string
	Locale         string // de_DE, en_US …
	Method         string // "" lets the checkout offer every method
	Metadata       map[string]any
	// Methods restricts the checkout to these methods (Method, if set,
	// comes first).
	Methods []string
	// SequenceType "first" (with CustomerID) makes a payment that leaves a
	// mandate behind; "recurring" (with CustomerID and MandateID, no
	// RedirectURL) charges one.
	SequenceType string
	CustomerID   string
	MandateID    string
}

// Create creates a payment at the provider.
func (c *Client) Create(ctx context.Context, req CreateRequest) (*Payment, error) {
	mc, err := c.client(req.APIKey)
	if err != nil {
		return nil, err
	}
	cp := mollie.CreatePayment{
		Description: req.Description,
		RedirectURL: req.RedirectURL,
		WebhookURL:  req.WebhookURL,
		Amount:      &mollie.Amount{Currency: req.Currency, Value: FormatAmount(req.AmountMinor)},
		Locale:      mollie.Locale(req.Locale),
		Metadata:    req.Metadata,
	}
	if req.Method != "" {
		cp.Method = []mollie.PaymentMethod{mollie.PaymentMethod(req.Method)}
	}
	for _, m := range req.Methods {
		if m != req.Method {
			cp.Method = append(cp.Method, mollie.PaymentMethod(m))
		}
	}
	cp.SequenceType = mollie.SequenceType(req.SequenceType)
	cp.CustomerID, cp.MandateID = req.CustomerID, req.MandateID
	ctx = context.WithValue(ctx, idemKey{}, req.IdempotencyKey)
	_, p, err := mc.Payments.Create(ctx, cp, nil)
	if err != nil {
		return nil, fmt.Errorf("payments: create: %w", err)
	}
	return convert(p)
}

// Get fetches a payment; callers never trust what a webhook posts.
func (c *Client) Get(ctx context.Context, apiKey, id string) (*Payment, error) {
	mc, err := c.client(apiKey)
	if err != nil {
		return nil, err
	}
	_, p, err := mc.Payments.Get(ctx, id, nil)
	if err != nil {
		return nil, fmt.Errorf("payments: get %s: %w", id, err)
	}
	return convert(p)
}

func convert(p *mollie.Payment) (*Payment, error) {
	out := &Payment{ID: p.ID, Status: p.Status, Method: string(p.Method), PaidAt: p.PaidAt, ExpiresAt: p.ExpiresAt,
		SequenceType: string(p.SequenceType), CustomerID: p.CustomerID, MandateID: p.MandateID}
	if p.Links.Checkout != nil {
		out.CheckoutURL = p.Links.Checkout.Href
	}
	var err error
	if p.Amount != nil {
		out.Currency = p.Amount.Currency
		if out.AmountMinor, err = ParseAmount(p.Amount.Value); err != nil {
			return nil, err
		}
	}
	if p.AmountRefunded != nil {
		if out.RefundedMinor, err = ParseAmount(p.AmountRefunded.Value); err != nil {
			return nil, err
		}
	}
	if p.AmountChargedBack != nil {
		if out.ChargedBackMinor, err = ParseAmount(p.AmountChargedBack.Value); err != nil {
			return nil, err
		}
	}
	if m, ok := p.Metadata.(map[string]any); ok {
		out.Metadata = m
	}
	return out, nil
}

// Method is a payment method the creditor's profile offers.
type Method struct {
	ID          string
	Description string
	ImageSVG    string
	MinMinor    int64
	MaxMinor    int64 // 0: no maximum
}

// Methods lists the methods enabled for an amount, currency, locale and
// billing country, cached briefly per key and query.
func (c *Client) Methods(ctx context.Context, apiKey string, amountMinor int64, currency, locale, country string) ([]Method, error) {
	cacheKey := strings.Join([]string{apiKey, strconv.FormatInt(amountMinor, 10), currency, locale, country}, "|")
	c.methodsMu.Lock()
	if e, ok := c.methodsCache[cacheKey]; ok && time.Since(e.at) < c.MethodsTTL {
		c.methodsMu.Unlock()
		return e.methods, nil
	}
	c.methodsMu.Unlock()
	mc, err := c.client(apiKey)
	if err != nil {
		return nil, err
	}
	_, list, err := mc.PaymentMethods.List(ctx, &mollie.ListPaymentMethodsOptions{
		Amount: &mollie.Amount{Currency: currency, Value: FormatAmount(amountMinor)},
		Locale: mollie.Locale(locale), BillingCountry: country,
	})
	if err != nil {
		return nil, fmt.Errorf("payments: methods: %w", err)
	}
	var out []Method
	for _, m := range list.Embedded.Methods {
		pm := Method{ID: m.ID, Description: m.Description}
		if m.Image != nil {
			pm.ImageSVG = m.Image.Svg
		}
		if m.MinimumAmount != nil {
			pm.MinMinor, _ = ParseAmount(m.MinimumAmount.Value)
		}
		if m.MaximumAmount != nil {
			pm.MaxMinor, _ = ParseAmount(m.MaximumAmount.Value)
		}
		out = append(out, pm)
	}
	c.methodsMu.Lock()
	c.methodsCache[cacheKey] = methodsEntry{at: time.Now(), methods: out}
	c.methodsMu.Unlock()
	return out, nil
}

// FormatAmount writes minor units as Mollie's two-decimal string.
func FormatAmount(minor int64) string {
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	return fmt.Sprintf("%s%d.%02d", sign, minor/100, minor%100)
}

// ParseAmount reads Mollie's decimal string into minor units.
func ParseAmount(v string) (int64, error) {
	neg := strings.HasPrefix(v, "-")
	v = strings.TrimPrefix(v, "-")
	whole, frac, _ := strings.Cut(v, ".")
	if len(frac) > 2 || whole == "" {
		return 0, fmt.Errorf("payments: amount %q", v)
	}
	frac += strings.Repeat("0", 2-len(frac))
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("payments: amount %q", v)
	}
	f, err := strconv.ParseInt(frac, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("payments: amount %q", v)
	}
	n := w*100 + f
	if neg {
		n = -n
	}
	return n, nil
}

// CheckoutAllowed reports whether a checkout URL points at one of the
// hosts Settle may send debtors to (Mollie's checkout, or the simulator).
func CheckoutAllowed(raw string, hosts []string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.User != nil {
		return false
	}
	for _, h := range hosts {
		if strings.EqualFold(u.Host, h) && (u.Scheme == "https" || (u.Scheme == "http" && isLocal(u.Hostname()))) {
			return true
		}
	}
	return false
}

func isLocal(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}
