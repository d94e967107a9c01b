package handlers

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/settle/settle/internal/billing"
	"github.com/settle/settle/internal/checkout"
	"github.com/settle/settle/internal/payments"
	"github.com/settle/settle/internal/payments/molliesim"
	"github.com/settle/settle/internal/plans"
)

// payHarness is the harness with online payment through the Mollie
// simulator, reached over real HTTP by the real client library.
func payHarness(t testing.TB) (*harness, *molliesim.Simulator, *checkout.Service) {
	h := newHarness(t)
	var sim *molliesim.Simulator
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { sim.Handler().ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	sim = molliesim.New(molliesim.Options{BaseURL: srv.URL + "/", WebhookRetries: []time.Duration{}})
	t.Cleanup(func() { sim.Close() })
	client, err := payments.NewClient(sim.BaseURL(), 5*time.Second)
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
	return h, sim, ck
}

// providerID returns the Mollie id of our payment.
func (h *harness) providerID(publicID string) string {
	h.t.Helper()
	var id string
	if err := h.db.Get(&id, `SELECT provider_id FROM payments WHERE public_id = $1`, publicID); err != nil {
		h.t.Fatal(err)
	}
	return id
}

func TestPayFlow(t *testing.T) {
	t.Parallel()
	h, sim, ck := payHarness(t)
	c := h.steppedUp(h.alice)
	open := h.open("R-1001")

	page := c.get("/account/pay")
	if page.StatusCode != 200 || len(page.html(t).testID("method-ideal")) != 1 || len(page.html(t).testID("pay-submit")) != 1 {
		t.Fatalf("pay page: %d", page.StatusCode)
	}
	// Pay part of one invoice: 303 to the checkout, and only there.
	form := url.Values{"amount": {"10,00"}, "invoice": {"R-1001"}, "method": {"ideal"}}
	res := c.post("/account/payments", form)
	loc := res.Header.Get("Location")
	if res.StatusCode != 303 || !strings.HasPrefix(loc, sim.BaseURL()+"checkout/") {
		t.Fatalf("start: %d to %q", res.StatusCode, loc)
	}
	// A double click goes to the same checkout, one Mollie payment.
	if again := c.post("/account/payments", form); again.Header.Get("Location") != loc || len(sim.Payments()) != 1 {
		t.Errorf("double click: %q, %d Mollie payments", again.Header.Get("Location"), len(sim.Payments()))
	}
	var publicID string
	h.db.Get(&publicID, `SELECT public_id FROM payments WHERE provider_id IS NOT NULL`)
	mollieID := h.providerID(publicID)

	// Pending until Mollie says otherwise; the page reloads itself.
	status := c.get("/account/payments/" + publicID)
	if status.StatusCode != 200 || !strings.Contains(status.body, `http-equiv="refresh"`) {
		t.Errorf("open payment page: %d", status.StatusCode)
	}
	// A forged webhook for an unknown id changes nothing and gets 200.
	if res := h.client().post("/webhooks/mollie", url.Values{"id": {"tr_forged12345"}}); res.StatusCode != 200 {
		t.Errorf("unknown webhook: %d", res.StatusCode)
	}
	if err := ck.SyncProviderID(h.ctx, "tr_forged12345"); err != checkout.ErrUnknown {
		t.Errorf("forged id: %v", err)
	}

	// The debtor pays at the checkout; Mollie calls the webhook, ten times
	// at once: one booking, one event.
	if err := sim.SetStatus(mollieID, "paid"); err != nil {
		t.Fatal(err)
	}
	if res := h.client().post("/webhooks/mollie", url.Values{"id": {mollieID}}); res.StatusCode != 200 {
		t.Fatalf("webhook: %d", res.StatusCode)
	}
	if n := h.queryInt(`SELECT count(*) FROM jobs WHERE kind = 'mollie.webhook' AND payload->>'provider_id' = $1`, mollieID); n != 1 {
		t.Errorf("%d webhook jobs", n)
	}
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); ck.SyncProviderID(h.ctx, mollieID) }()
	}
	wg.Wait()
	if n := h.queryInt(`SELECT count(*) FROM ledger_entries l JOIN payments p ON p.id = l.payment_id WHERE p.public_id = $1`, publicID); n != 1 {
		t.Errorf("%d ledger entries for one payment", n)
	}
	if n := h.queryInt(`SELECT count(*) FROM events WHERE type = 'payment.paid' AND data->>'payment_id' = $1`, publicID); n != 1 {
		t.Errorf("%d payment.paid events", n)
	}
	if got := h.open("R-1001"); got != open-1000 {
		t.Errorf("R-1001 open %d, want %d", got, open-1000)
	}
	status = c.get("/account/payments/" + publicID)
	if st := status.html(t).testID("payment-status"); len(st) != 1 || strings.Contains(status.body, `http-equiv="refresh"`) {
		t.Errorf("paid page: %s", status.body)
	} else if v, _ := attr(st[0], "data-status"); v != "paid" {
		t.Errorf("status %q", v)
	}
	// Refunded in part: the money goes back on the invoice.
	if _, err := sim.Refund(mollieID, "4.00"); err != nil {
		t.Fatal(err)
	}
	if err := ck.SyncProviderID(h.ctx, mollieID); err != nil {
		t.Fatal(err)
	}
	if got := h.open("R-1001"); got != open-600 {
		t.Errorf("after refund R-1001 open %d, want %d", got, open-600)
	}
	if n := h.queryInt(`SELECT count(*) FROM events WHERE type = 'payment.reversed'`); n != 1 {
		t.Errorf("%d payment.reversed events", n)
	}
	// Other debtors' payments are not found.
	for _, id := range []string{bobPayment, carolPayment} {
		if res := c.get("/account/payments/" + id); res.StatusCode != 404 {
			t.Errorf("payment %s of someone else: %d", id, res.StatusCode)
		}
	}
}

func TestPayValidation(t *testing.T) {
	t.Parallel()
	h, sim, _ := payHarness(t)
	c := h.steppedUp(h.alice)
	for name, tc := range map[string]struct {
		form url.Values
		key  string
	}{
		"not a number":      {url.Values{"amount": {"zehn"}}, "error.pay.amount_format"},
		"too much":          {url.Values{"amount": {"99999,00"}}, "error.pay.amount_max"},
		"too little":        {url.Values{"amount": {"0,50"}}, "error.pay.amount_min"},
		"someone's invoice": {url.Values{"amount": {"1,00"}, "invoice": {"R-2001"}}, "error.pay.invoice_not_open"},
		"paid invoice":      {url.Values{"amount": {"1,00"}, "invoice": {"R-1003"}}, "error.pay.invoice_not_open"},
	} {
		res := c.post("/account/payments", tc.form)
		if res.StatusCode != 400 || !contains(res.html(t).text(), h.de().T(tc.key, "Number", tc.form.Get("invoice"))) {
			t.Errorf("%s: %d", name, res.StatusCode)
		}
		if v, _ := attr(res.html(t).byID("amount"), "value"); v != tc.form.Get("amount") {
			t.Errorf("%s: typed amount lost: %q", name, v)
		}
	}
	if len(sim.Payments()) != 0 {
		t.Errorf("%d Mollie payments for refused input", len(sim.Payments()))
	}
}

// Mollie fails while the payment is created: the debtor gets a clear
// message, and the reconciler later finds the same Mollie payment through
// our Idempotency-Key instead of making another.
func TestPayProviderFault(t *testing.T) {
	t.Parallel()
	h, sim, ck := payHarness(t)
	c := h.steppedUp(h.alice)
	sim.FailNext(1, 500)
	res := c.post("/account/payments", url.Values{"amount": {"5,00"}})
	if res.StatusCode == 303 || !contains(res.html(t).text(), h.de().T("error.pay.provider")) {
		t.Fatalf("provider down: %d", res.StatusCode)
	}
	if n := h.queryInt(`SELECT count(*) FROM payments WHERE provider = 'mollie' AND provider_id IS NULL`); n != 1 {
		t.Fatalf("%d orphan rows", n)
	}
	h.clock.Advance(2 * time.Minute)
	if n, err := ck.Reconcile(h.ctx, 10); err != nil || n != 1 {
		t.Fatalf("reconcile: %d %v", n, err)
	}
	if n := h.queryInt(`SELECT count(*) FROM payments WHERE provider = 'mollie' AND provider_id IS NOT NULL`); n != 1 || len(sim.Payments()) > 1 {
		t.Errorf("after reconcile: %d recorded, %d at Mollie", n, len(sim.Payments()))
	}
}

func TestParseAmountInput(t *testing.T) {
	for in, want := range map[string]int64{"10": 1000, "10,5": 1050, "10,50": 1050, "10.50": 1050, "1.234,56": 123456,
		"1,234.56": 123456, "€ 12,00": 1200, "1.000": 100000, "0,01": 1} {
		if got, ok := parseAmountInput(in); !ok || got != want {
			t.Errorf("parseAmountInput(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "zehn", "1,2,3,4a", "--5"} {
		if _, ok := parseAmountInput(bad); ok {
			t.Errorf("parseAmountInput(%q) accepted", bad)
		}
	}
}

func TestPayByTransfer(t *testing.T) {
	t.Parallel()
	h, _, _ := payHarness(t)
	if _, err := h.db.Exec(`UPDATE creditors SET bank_holder = 'Stadtwerke Beispielstadt GmbH',
		bank_iban = 'DE89370400440532013000', bank_bic = 'COBADEFFXXX' WHERE id = $1`, h.a.ID); err != nil {
		t.Fatal(err)
	}
	page := h.entered(h.alice).get("/account/pay").html(t)
	if got := page.testIDText("iban"); got != "DE89 3704 0044 0532 0130 00" {
		t.Errorf("IBAN shown as %q", got)
	}
	ref := page.testIDText("reference")
	if !strings.HasPrefix(ref, "RF") || !strings.HasSuffix(ref, "K100") {
		t.Errorf("reference %q", ref)
	}
	qr := page.testID("girocode")
	if len(qr) != 1 {
		t.Fatal("no GiroCode")
	}
	if src, _ := attr(qr[0], "src"); !strings.HasPrefix(src, "data:image/png;base64,") {
		t.Errorf("GiroCode src %.40q", src)
	}
	// Creditor B has no account on file: no transfer card.
	if page := h.entered(h.carol).get("/account/pay").html(t); len(page.testID("transfer")) != 0 {
		t.Error("transfer card without bank details")
	}
}
