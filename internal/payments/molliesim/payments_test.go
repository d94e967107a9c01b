package molliesim_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/VictorAvelar/mollie-api-go/v4/mollie"
	"github.com/VictorAvelar/mollie-api-go/v4/testdata"

	"github.com/settle/settle/internal/payments/molliesim"
)

func TestCreateAndGetPayment(t *testing.T) {
	e := newEnv(t, molliesim.Options{})
	ctx := context.Background()
	rc := newReceiver(t, 0)
	p := createPayment(t, ctx, e.client, "10.00", rc.URL())

	if !strings.HasPrefix(p.ID, "tr_") || len(p.ID) != 13 {
		t.Errorf("id %q", p.ID)
	}
	if p.Status != "open" || p.Mode != mollie.TestMode || p.Method != "" || p.SequenceType != mollie.OneOffSequence {
		t.Errorf("status %q mode %q method %q sequence %q", p.Status, p.Mode, p.Method, p.SequenceType)
	}
	if p.Amount.Value != "10.00" || p.Amount.Currency != "EUR" || p.Description != "Invoice 2026-0042" {
		t.Errorf("amount %+v description %q", p.Amount, p.Description)
	}
	if p.Links.Checkout == nil || p.Links.Checkout.Href != e.base+"checkout/"+p.ID {
		t.Errorf("checkout link %+v", p.Links.Checkout)
	}
	if p.Links.Self == nil || p.Links.Self.Href != e.base+"v2/payments/"+p.ID {
		t.Errorf("self link %+v", p.Links.Self)
	}
	if !strings.HasPrefix(p.ProfileID, "pfl_") || p.CreatedAt == nil || p.ExpiresAt == nil ||
		p.ExpiresAt.Sub(*p.CreatedAt) != 15*time.Minute {
		t.Errorf("profile %q created %v expires %v", p.ProfileID, p.CreatedAt, p.ExpiresAt)
	}
	if md, _ := p.Metadata.(map[string]any); md["payment"] != "pay_1" {
		t.Errorf("metadata %#v", p.Metadata)
	}
	if p.WebhookURL != rc.URL() || p.Locale != mollie.German {
		t.Errorf("webhook %q locale %q", p.WebhookURL, p.Locale)
	}

	_, got, err := e.client.Payments.Get(ctx, p.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != p.ID || got.Status != "open" || got.Amount.Value != "10.00" {
		t.Errorf("get: %+v", got)
	}

	_, _, err = e.client.Payments.Get(ctx, "tr_doesnotexist", nil)
	be := baseError(t, err)
	if be.Status != 404 || be.Title != "Not Found" || !strings.Contains(be.Detail, "tr_doesnotexist") {
		t.Errorf("404: %+v", be)
	}
	rc.none(t, 100*time.Millisecond)
}

// TestJSONShape compares a simulated payment with Mollie's documented
// example: the same keys with the same JSON types.
func TestJSONShape(t *testing.T) {
	e := newEnv(t, molliesim.Options{})
	p := createPayment(t, context.Background(), e.client, "10.00", "https://settle.example/webhooks/mollie",
		func(cp *mollie.CreatePayment) { cp.RestrictPaymentMethodsToCountry = "NL"; cp.Locale = mollie.Dutch })
	req, _ := http.NewRequest(http.MethodGet, e.base+"v2/payments/"+p.ID, nil)
	req.Header.Set("Authorization", "Bearer "+testKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/hal+json" {
		t.Errorf("Content-Type %q", ct)
	}
	var ours, doc map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&ours); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(testdata.GetPaymentResponse), &doc); err != nil {
		t.Fatal(err)
	}
	for k, v := range doc {
		got, ok := ours[k]
		if !ok {
			t.Errorf("key %q missing", k)
			continue
		}
		if jsonType(got) != jsonType(v) {
			t.Errorf("key %q: %s, Mollie has %s", k, jsonType(got), jsonType(v))
		}
	}
	links, _ := ours["_links"].(map[string]any)
	for _, k := range []string{"self", "checkout", "dashboard", "documentation"} {
		if l, _ := links[k].(map[string]any); l["href"] == nil || l["type"] == nil {
			t.Errorf("_links.%s = %v", k, links[k])
		}
	}
	if ts, _ := ours["createdAt"].(string); !strings.HasSuffix(ts, "+00:00") {
		t.Errorf("createdAt %q, Mollie writes +00:00", ts)
	}
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "bool"
	case float64:
		return "number"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	return "?"
}

func TestCreateValidation(t *testing.T) {
	e := newEnv(t, molliesim.Options{})
	ctx := context.Background()
	ok := func(cp *mollie.CreatePayment) {
		cp.Amount = &mollie.Amount{Currency: "EUR", Value: "10.00"}
		cp.Description = "Invoice 1"
		cp.RedirectURL = "https://settle.example/return"
	}
	tests := []struct {
		name  string
		mod   func(*mollie.CreatePayment)
		field string
	}{
		{"no amount", func(cp *mollie.CreatePayment) { cp.Amount = nil }, "amount"},
		{"zero", func(cp *mollie.CreatePayment) { cp.Amount.Value = "0.00" }, "amount"},
		{"no decimals", func(cp *mollie.CreatePayment) { cp.Amount.Value = "10" }, "amount.value"},
		{"three decimals", func(cp *mollie.CreatePayment) { cp.Amount.Value = "10.000" }, "amount.value"},
		{"comma", func(cp *mollie.CreatePayment) { cp.Amount.Value = "10,00" }, "amount.value"},
		{"negative", func(cp *mollie.CreatePayment) { cp.Amount.Value = "-1.00" }, "amount.value"},
		{"currency", func(cp *mollie.CreatePayment) { cp.Amount.Currency = "XXX" }, "amount.currency"},
		{"too high", func(cp *mollie.CreatePayment) { cp.Amount.Value = "2000000.00" }, "amount"},
		{"too high for method", func(cp *mollie.CreatePayment) {
			cp.Amount.Value = "20000.00"
			cp.Method = []mollie.PaymentMethod{mollie.CreditCard}
		}, "amount"},
		{"no description", func(cp *mollie.CreatePayment) { cp.Description = "" }, "description"},
		{"no redirect", func(cp *mollie.CreatePayment) { cp.RedirectURL = "" }, "redirectUrl"},
		{"bad redirect", func(cp *mollie.CreatePayment) { cp.RedirectURL = "javascript:alert(1)" }, "redirectUrl"},
		{"bad webhook", func(cp *mollie.CreatePayment) { cp.WebhookURL = "/relative" }, "webhookUrl"},
		{"bad method", func(cp *mollie.CreatePayment) { cp.Method = []mollie.PaymentMethod{"bitcoin"} }, "method"},
		{"bad locale", func(cp *mollie.CreatePayment) { cp.Locale = "xx_XX" }, "locale"},
		{"first without customer", func(cp *mollie.CreatePayment) { cp.SequenceType = mollie.FirstSequence }, "customerId"},
		{"recurring without customer", func(cp *mollie.CreatePayment) { cp.SequenceType = mollie.RecurringSequence }, "customerId"},
		{"unknown customer", func(cp *mollie.CreatePayment) { cp.CustomerID = "cst_nobody" }, "customerId"},
		{"big metadata", func(cp *mollie.CreatePayment) { cp.Metadata = strings.Repeat("x", 2000) }, "metadata"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cp mollie.CreatePayment
			ok(&cp)
			tt.mod(&cp)
			_, _, err := e.client.Payments.Create(ctx, cp, nil)
			be := baseError(t, err)
			if be.Status != 422 || be.Title != "Unprocessable Entity" || be.Field != tt.field || be.Detail == "" {
				t.Errorf("got %d %q field %q (%s), want 422 field %q", be.Status, be.Title, be.Field, be.Detail, tt.field)
			}
		})
	}
	if n := len(e.sim.Payments()); n != 0 {
		t.Errorf("%d payments created by invalid requests", n)
	}
	// A fixed method is applied at once, with its own expiry.
	p := createPayment(t, ctx, e.client, "10.00", "", func(cp *mollie.CreatePayment) {
		cp.Method = []mollie.PaymentMethod{mollie.PayPal}
	})
	if p.Method != mollie.PayPal || p.ExpiresAt.Sub(*p.CreatedAt) != 3*time.Hour {
		t.Errorf("method %q expires after %v", p.Method, p.ExpiresAt.Sub(*p.CreatedAt))
	}
}

func TestIdempotencyKey(t *testing.T) {
	e := newEnv(t, molliesim.Options{})
	ctx := context.Background()
	cp := mollie.CreatePayment{
		Amount:      &mollie.Amount{Currency: "EUR", Value: "25.00"},
		Description: "Invoice 7",
		RedirectURL: "https://settle.example/return",
	}
	res1, p1, err := e.client.Payments.Create(withIdem(ctx, "settle-pay_7"), cp, nil)
	if err != nil {
		t.Fatal(err)
	}
	res2, p2, err := e.client.Payments.Create(withIdem(ctx, "settle-pay_7"), cp, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p1.ID != p2.ID || res2.StatusCode != http.StatusCreated {
		t.Errorf("same key gave %s and %s (%d)", p1.ID, p2.ID, res2.StatusCode)
	}
	if res1.Header.Get("Idempotent-Replayed") != "" || res2.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("Idempotent-Replayed %q, %q", res1.Header.Get("Idempotent-Replayed"), res2.Header.Get("Idempotent-Replayed"))
	}
	_, p3, err := e.client.Payments.Create(withIdem(ctx, "settle-pay_8"), cp, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p3.ID == p1.ID {
		t.Error("a different key returned the same payment")
	}
	// The same key with another body is refused.
	other := cp
	other.Amount = &mollie.Amount{Currency: "EUR", Value: "26.00"}
	_, _, err = e.client.Payments.Create(withIdem(ctx, "settle-pay_7"), other, nil)
	if be := baseError(t, err); be.Status != 400 {
		t.Errorf("reused key with another body: %+v", be)
	}
	all := e.sim.Payments()
	if len(all) != 2 || all[0].IdempotencyKey != "settle-pay_7" || all[1].IdempotencyKey != "settle-pay_8" {
		t.Errorf("payments %+v", all)
	}
	if keys := e.sim.IdempotencyKeys(); strings.Join(keys, ",") != "settle-pay_7,settle-pay_7,settle-pay_8,settle-pay_7" {
		t.Errorf("recorded keys %q", keys)
	}
	// Mollie forgets keys after an hour.
	e.clock.Advance(61 * time.Minute)
	_, p4, err := e.client.Payments.Create(withIdem(ctx, "settle-pay_7"), cp, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p4.ID == p1.ID {
		t.Error("key still remembered after its TTL")
	}
}

func TestIdempotencyConcurrent(t *testing.T) {
	e := newEnv(t, molliesim.Options{})
	ctx := withIdem(context.Background(), "settle-pay_9")
	var wg sync.WaitGroup
	ids := make(chan string, 20)
	for range 20 {
		wg.Go(func() {
			p, err := createOrConflict(ctx, e.client)
			if err != nil {
				t.Error(err)
				return
			}
			if p != nil {
				ids <- p.ID
			}
		})
	}
	wg.Wait()
	close(ids)
	first := ""
	for id := range ids {
		if first == "" {
			first = id
		} else if id != first {
			t.Errorf("two payments %s and %s for one key", first, id)
		}
	}
	if n := len(e.sim.Payments()); n != 1 {
		t.Errorf("%d payments for one key", n)
	}
}

// createOrConflict returns nil, nil on Mollie's 409 for a key in flight.
func createOrConflict(ctx context.Context, c *mollie.Client) (*mollie.Payment, error) {
	_, p, err := c.Payments.Create(ctx, mollie.CreatePayment{
		Amount: &mollie.Amount{Currency: "EUR", Value: "9.00"}, Description: "Invoice 9",
		RedirectURL: "https://settle.example/return",
	}, nil)
	if be, ok := err.(*mollie.BaseError); ok && be.Status == http.StatusConflict {
		return nil, nil
	}
	return p, err
}

func TestListPayments(t *testing.T) {
	e := newEnv(t, molliesim.Options{})
	ctx := context.Background()
	var ids []string
	for range 3 {
		ids = append(ids, createPayment(t, ctx, e.client, "5.00", "").ID)
	}
	_, l, err := e.client.Payments.List(ctx, &mollie.ListPaymentsOptions{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if l.Count != 2 || l.Embedded.Payments[0].ID != ids[2] || l.Embedded.Payments[1].ID != ids[1] || l.Links.Next == nil {
		t.Fatalf("first page: count %d next %v", l.Count, l.Links.Next)
	}
	next, _ := url.Parse(l.Links.Next.Href)
	_, l2, err := e.client.Payments.List(ctx, &mollie.ListPaymentsOptions{Limit: 2, From: next.Query().Get("from")})
	if err != nil {
		t.Fatal(err)
	}
	if l2.Count != 1 || l2.Embedded.Payments[0].ID != ids[0] || l2.Links.Next != nil {
		t.Errorf("second page: %+v", l2)
	}
}

func TestExpiry(t *testing.T) {
	e := newEnv(t, molliesim.Options{})
	ctx := context.Background()
	rc := newReceiver(t, 0)
	p := createPayment(t, ctx, e.client, "10.00", rc.URL())
	e.clock.Advance(14 * time.Minute)
	if _, got, _ := e.client.Payments.Get(ctx, p.ID, nil); got.Status != "open" {
		t.Fatalf("status %q before expiry", got.Status)
	}
	e.clock.Advance(2 * time.Minute)
	_, got, err := e.client.Payments.Get(ctx, p.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != "expired" || got.ExpiredAt == nil || !got.ExpiredAt.Equal(*p.ExpiresAt) || got.Links.Checkout != nil || got.IsCancelable {
		t.Errorf("after expiry: status %q expiredAt %v checkout %v", got.Status, got.ExpiredAt, got.Links.Checkout)
	}
	if v := rc.wait(t); v.Get("id") != p.ID {
		t.Errorf("webhook %v", v)
	}
}

func TestBankTransferAndCancel(t *testing.T) {
	e := newEnv(t, molliesim.Options{})
	ctx := context.Background()
	rc := newReceiver(t, 0)
	p := createPayment(t, ctx, e.client, "120.00", rc.URL(), func(cp *mollie.CreatePayment) {
		cp.Method = []mollie.PaymentMethod{mollie.BankTransfer}
	})
	d := p.Details
	if p.Method != mollie.BankTransfer || d.BankName == "" || d.BankAccount == "" || d.BankBIC == "" || !strings.HasPrefix(d.TransferReference, "RF") {
		t.Errorf("bank transfer details %+v", d)
	}
	if days := p.ExpiresAt.Sub(*p.CreatedAt).Hours() / 24; days < 12 || days > 14 {
		t.Errorf("bank transfer expires after %.1f days", days)
	}
	if !p.IsCancelable {
		t.Error("open bank transfer not cancelable")
	}
	_, c, err := e.client.Payments.Cancel(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != "canceled" || c.CanceledAt == nil {
		t.Errorf("after cancel %q", c.Status)
	}
	rc.wait(t)
	_, _, err = e.client.Payments.Cancel(ctx, p.ID)
	if be := baseError(t, err); be.Status != 422 {
		t.Errorf("second cancel: %+v", be)
	}
}

func TestUpdatePayment(t *testing.T) {
	e := newEnv(t, molliesim.Options{})
	ctx := context.Background()
	p := createPayment(t, ctx, e.client, "10.00", "")
	_, u, err := e.client.Payments.Update(ctx, p.ID, mollie.UpdatePayment{Description: "Invoice 43", Method: mollie.IDeal})
	if err != nil {
		t.Fatal(err)
	}
	if u.Description != "Invoice 43" || u.Method != mollie.IDeal {
		t.Errorf("updated %q %q", u.Description, u.Method)
	}
}

func TestUnauthorized(t *testing.T) {
	e := newEnv(t, molliesim.Options{})
	live := newClient(t, e.base, "live_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM")
	_, _, err := live.Payments.Get(context.Background(), "tr_x", nil)
	be := baseError(t, err)
	if be.Status != 401 || be.Title != "Unauthorized Request" || be.Detail == "" ||
		be.Links == nil || be.Links.Documentation == nil || be.Links.Documentation.Href == "" {
		t.Errorf("401: %+v", be)
	}
	// No key at all, and unknown routes and methods, in Mollie's shape.
	for _, tc := range []struct {
		method, path, auth string
		status             int
	}{
		{"GET", "v2/payments", "", 401},
		{"GET", "v2/payments", "Basic abc", 401},
		{"GET", "v2/nonsense", "Bearer " + testKey, 404},
		{"PUT", "v2/payments", "Bearer " + testKey, 405},
	} {
		req, _ := http.NewRequest(tc.method, e.base+tc.path, nil)
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Status int    `json:"status"`
			Title  string `json:"title"`
			Detail string `json:"detail"`
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != tc.status || body.Status != tc.status || body.Title == "" || resp.ContentLength <= 0 {
			t.Errorf("%s %s: %d %+v (%v)", tc.method, tc.path, resp.StatusCode, body, err)
		}
	}
}

func TestMethods(t *testing.T) {
	e := newEnv(t, molliesim.Options{})
	ctx := context.Background()
	list := func(opts *mollie.ListPaymentMethodsOptions) map[string]*mollie.PaymentMethodDetails {
		t.Helper()
		_, l, err := e.client.PaymentMethods.List(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]*mollie.PaymentMethodDetails{}
		for _, m := range l.Embedded.Methods {
			out[m.ID] = m
		}
		if l.Count != len(out) {
			t.Errorf("count %d for %d methods", l.Count, len(out))
		}
		return out
	}
	de := list(&mollie.ListPaymentMethodsOptions{Amount: &mollie.Amount{Value: "10.00", Currency: "EUR"}, Locale: mollie.German})
	for _, id := range []string{"ideal", "creditcard", "paypal", "banktransfer", "klarna"} {
		if de[id] == nil {
			t.Errorf("method %s missing for 10.00 EUR", id)
		}
	}
	if de["directdebit"] != nil {
		t.Error("directdebit offered for a one-off payment")
	}
	bt := de["banktransfer"]
	if bt == nil {
		t.FailNow()
	}
	if bt.Description != "Überweisung" || bt.MinimumAmount.Value != "0.01" || bt.MaximumAmount == nil ||
		bt.Status == nil || *bt.Status != mollie.PaymentMethodActivated {
		t.Errorf("banktransfer %+v", bt)
	}
	if en := list(&mollie.ListPaymentMethodsOptions{Locale: mollie.English}); en["banktransfer"].Description != "Bank transfer" {
		t.Errorf("English description %q", en["banktransfer"].Description)
	}
	big := list(&mollie.ListPaymentMethodsOptions{Amount: &mollie.Amount{Value: "20000.00", Currency: "EUR"}})
	if big["creditcard"] != nil || big["klarna"] != nil || big["banktransfer"] == nil {
		t.Errorf("20000.00 EUR: %v", keys(big))
	}
	small := list(&mollie.ListPaymentMethodsOptions{Amount: &mollie.Amount{Value: "0.50", Currency: "EUR"}})
	if small["klarna"] != nil || small["ideal"] == nil {
		t.Errorf("0.50 EUR: %v", keys(small))
	}
	first := list(&mollie.ListPaymentMethodsOptions{SequenceType: mollie.FirstSequence})
	if first["banktransfer"] != nil || first["ideal"] == nil || first["creditcard"] == nil {
		t.Errorf("first: %v", keys(first))
	}
	rec := list(&mollie.ListPaymentMethodsOptions{SequenceType: mollie.RecurringSequence})
	if rec["directdebit"] == nil || rec["ideal"] != nil {
		t.Errorf("recurring: %v", keys(rec))
	}
	usd := list(&mollie.ListPaymentMethodsOptions{Amount: &mollie.Amount{Value: "10.00", Currency: "USD"}})
	if usd["ideal"] != nil || usd["creditcard"] == nil || usd["creditcard"].MinimumAmount.Currency != "USD" {
		t.Errorf("USD: %v", keys(usd))
	}
	us := list(&mollie.ListPaymentMethodsOptions{BillingCountry: "US"})
	if us["klarna"] != nil || us["paypal"] == nil {
		t.Errorf("billing country US: %v", keys(us))
	}

	_, m, err := e.client.PaymentMethods.Get(ctx, mollie.IDeal, &mollie.PaymentMethodOptions{Include: []mollie.IncludeValue{mollie.IncludeIssuers}})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Issuers) == 0 {
		t.Error("no iDEAL issuers with include=issuers")
	}
	_, _, err = e.client.PaymentMethods.Get(ctx, mollie.Bancontact, nil)
	if be := baseError(t, err); be.Status != 404 {
		t.Errorf("disabled method: %+v", be)
	}

	// Icons come from the simulator itself.
	img := de["ideal"].Image
	for _, href := range []string{img.Svg, img.Size1x, img.Size2X} {
		if !strings.HasPrefix(href, e.base+"img/") {
			t.Errorf("icon %q not served by the simulator", href)
			continue
		}
		resp, err := http.Get(href)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		ct := resp.Header.Get("Content-Type")
		switch {
		case resp.StatusCode != 200:
			t.Errorf("%s: %d", href, resp.StatusCode)
		case strings.HasSuffix(href, ".svg") && (ct != "image/svg+xml" || !strings.Contains(string(body), "<svg")):
			t.Errorf("%s: %s %q", href, ct, body)
		case strings.HasSuffix(href, ".png") && (ct != "image/png" || !strings.HasPrefix(string(body), "\x89PNG")):
			t.Errorf("%s: %s", href, ct)
		}
	}
}

func keys(m map[string]*mollie.PaymentMethodDetails) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
