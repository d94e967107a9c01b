package handlers

import (
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/settle/settle/internal/ar"
)

// apiKey makes a live API key for creditor c.
func (h *harness) apiKey(c *ar.Creditor) string {
	h.t.Helper()
	key, prefix, hash := ar.NewAPIKey()
	if err := h.st.CreateAPIKey(h.ctx, &ar.APIKey{CreditorID: c.ID, Prefix: prefix, KeyHash: hash}); err != nil {
		h.t.Fatal(err)
	}
	return key
}

type apiResp struct {
	status int
	header http.Header
	body   []byte
}

func (r apiResp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response is not JSON (%d): %s", r.status, r.body)
	}
	return m
}

// fieldCodes maps each field error of a problem document to its code.
func (r apiResp) fieldCodes(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	errs, _ := r.json(t)["errors"].([]any)
	for _, e := range errs {
		m := e.(map[string]any)
		out[m["field"].(string)] = m["code"].(string)
	}
	return out
}

// call sends an API request straight to the handler (server to server: no
// Origin or Sec-Fetch-Site headers).
func (h *harness) call(method, path, key, body string, hdr ...string) apiResp {
	h.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, testBase+path, rd)
	req.RemoteAddr = "192.0.2.50:1234"
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.h.ServeHTTP(rec, req)
	return apiResp{rec.Code, rec.Header(), rec.Body.Bytes()}
}

const invoiceBody = `{"customer_number": "K-100", "issue_date": "2026-11-01", "due_date": "2026-11-15",
	"currency": "EUR", "description": "Strom November",
	"lines": [
		{"description": "Abschlag", "quantity": 1, "unit_price_minor": 8000, "tax_rate_bp": 1900},
		{"description": "Zählermiete", "quantity": "1.5", "unit_price_minor": 999, "tax_rate_bp": 1900}
	],
	"net_minor": 9499, "tax_minor": 1805, "total_minor": 11304}`

func TestAPIAuth(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for name, key := range map[string]string{
		"no key":     "",
		"garbage":    "hello",
		"unknown":    func() string { k, _, _ := ar.NewAPIKey(); return k }(),
		"link token": func() string { tok, _ := h.link(h.alice); return tok }(),
	} {
		res := h.call("GET", "/api/v1/events", key, "")
		if res.status != 401 || !strings.HasPrefix(res.header.Get("Content-Type"), "application/problem+json") ||
			res.header.Get("WWW-Authenticate") == "" || res.json(t)["code"] != "error.api.unauthorized" {
			t.Errorf("%s: %d %s %s", name, res.status, res.header.Get("Content-Type"), res.body)
		}
	}
	key := h.apiKey(h.a)
	if res := h.call("GET", "/api/v1/events", key, ""); res.status != 200 {
		t.Fatalf("live key: %d %s", res.status, res.body)
	}
	keys, _ := h.st.APIKeys(h.ctx, h.a.ID)
	if err := h.st.RevokeAPIKey(h.ctx, h.a.ID, keys[0].ID, h.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if res := h.call("GET", "/api/v1/events", key, ""); res.status != 401 {
		t.Errorf("revoked key: %d", res.status)
	}
	if strings.Contains(h.logs.String(), key) {
		t.Error("an API key reached the log")
	}
}

func TestAPIDebtorPut(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	key := h.apiKey(h.a)
	body := `{"name": "Dora Dohle", "email": "dora@example.org", "phone": "0151 2345 6789",
		"postcode": "20095", "city": "Hamburg", "language": "en", "birth_date": "1985-04-02"}`
	res := h.call("PUT", "/api/v1/debtors/N-1", key, body)
	if res.status != 201 {
		t.Fatalf("create: %d %s", res.status, res.body)
	}
	if got := res.json(t); got["phone"] != "+4915123456789" || got["country"] != "DE" || got["kind"] != "consumer" {
		t.Errorf("created debtor = %v", got)
	}
	res = h.call("PUT", "/api/v1/debtors/N-1", key, strings.Replace(body, "Hamburg", "Kiel", 1))
	if res.status != 200 || res.json(t)["city"] != "Kiel" {
		t.Fatalf("update: %d %s", res.status, res.body)
	}
	d, err := h.st.DebtorByNumber(h.ctx, h.a.ID, "N-1")
	if err != nil || d.City != "Kiel" || d.Language != "en" {
		t.Fatalf("stored debtor %+v %v", d, err)
	}
	if _, err := h.st.DebtorByNumber(h.ctx, h.b.ID, "N-1"); !ar.IsNotFound(err) {
		t.Error("the debtor appeared at the other creditor")
	}
	// The customer chose SMS in the portal and staff flagged hardship: a
	// sync that leaves those fields out keeps them; one that names them wins.
	h.db.MustExec(`UPDATE debtors SET preferred_channel = 'sms', hardship = true WHERE creditor_id = $1 AND customer_number = 'N-1'`, h.a.ID)
	sync := `{"name": "Dora Dohle", "email": "dora@example.org", "phone": "0151 2345 6789", "city": "Kiel"}`
	if res := h.call("PUT", "/api/v1/debtors/N-1", key, sync); res.status != 200 || res.json(t)["preferred_channel"] != "sms" ||
		res.json(t)["hardship"] != true || res.json(t)["language"] != "en" {
		t.Errorf("sync without the customer's choices: %d %s", res.status, res.body)
	}
	sync = `{"name": "Dora Dohle", "phone": "0151 2345 6789", "language": "de", "preferred_channel": "email", "hardship": false}`
	if res := h.call("PUT", "/api/v1/debtors/N-1", key, sync); res.status != 200 || res.json(t)["preferred_channel"] != "email" ||
		res.json(t)["hardship"] != false || res.json(t)["language"] != "de" {
		t.Errorf("sync naming them: %d %s", res.status, res.body)
	}

	// Every problem at once, with field-level codes.
	res = h.call("PUT", "/api/v1/debtors/N-2", key, `{"name": "", "email": "not-an-email", "phone": "call me",
		"country": "Germany", "language": "fr", "preferred_channel": "pigeon", "birth_date": "2990-01-01"}`)
	want := map[string]string{"name": "error.api.required", "email": "error.api.email", "phone": "error.api.phone",
		"country": "error.api.too_long", "language": "error.api.one_of", "preferred_channel": "error.api.one_of",
		"birth_date": "error.api.birth_date"}
	got := res.fieldCodes(t)
	if res.status != 400 {
		t.Errorf("invalid debtor: %d", res.status)
	}
	for f, code := range want {
		if got[f] != code {
			t.Errorf("field %s: code %q, want %q (all: %v)", f, got[f], code, got)
		}
	}
	for _, c := range []struct{ body, field, code string }{
		{`{"name": "X", "favourite_colour": "blue"}`, "favourite_colour", "error.api.unknown_field"},
		{`{"name": 42}`, "name", "error.api.type"},
		{`{"name": "X"} {"name": "Y"}`, "", "error.api.json"},
		{``, "", "error.api.body_empty"},
	} {
		res := h.call("PUT", "/api/v1/debtors/N-3", key, c.body)
		m := res.json(t)
		if res.status != 400 || (c.field != "" && res.fieldCodes(t)[c.field] != c.code) || (c.field == "" && m["code"] != c.code) {
			t.Errorf("body %q: %d %s", c.body, res.status, res.body)
		}
	}
	if res := h.call("PUT", "/api/v1/debtors/bad%20number", key, `{"name":"X"}`); res.status != 400 || res.fieldCodes(t)["customer_number"] != "error.api.number" {
		t.Errorf("bad number: %d %s", res.status, res.body)
	}
}

func TestAPIInvoicePut(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	key := h.apiKey(h.a)
	res := h.call("PUT", "/api/v1/invoices/API-1", key, invoiceBody)
	if res.status != 201 {
		t.Fatalf("create: %d %s", res.status, res.body)
	}
	inv := res.json(t)
	if inv["total_minor"].(float64) != 11304 || inv["open_minor"].(float64) != 11304 || len(inv["lines"].([]any)) != 2 {
		t.Errorf("created invoice = %v", inv)
	}
	if l := inv["lines"].([]any)[1].(map[string]any); l["quantity"] != "1.5" || l["net_minor"].(float64) != 1499 {
		t.Errorf("line 2 = %v", l)
	}
	// Booked, on the timeline, and announced, all at once.
	if n := h.queryInt(`SELECT count(*) FROM ledger_entries l JOIN invoices i ON i.id = l.invoice_id WHERE i.number = 'API-1' AND l.amount_minor = 11304`); n != 1 {
		t.Errorf("%d ledger entries", n)
	}
	if n := h.queryInt(`SELECT count(*) FROM events WHERE type = 'invoice.created' AND creditor_id = $1 AND data->>'invoice_number' = 'API-1'`, h.a.ID); n != 1 {
		t.Errorf("%d invoice.created events", n)
	}
	// The debtor sees it.
	c := h.steppedUp(h.alice)
	if page := c.get("/account/invoices/API-1"); page.StatusCode != 200 || !contains(page.html(t).text(), "Zählermiete") {
		t.Errorf("invoice page: %d", page.StatusCode)
	}

	// Totals that disagree with the lines are refused with the expected value.
	bad := strings.Replace(invoiceBody, `"total_minor": 11304`, `"total_minor": 11305`, 1)
	res = h.call("PUT", "/api/v1/invoices/API-2", key, bad)
	if res.status != 400 || res.fieldCodes(t)["total_minor"] == "" {
		t.Errorf("wrong total: %d %s", res.status, res.body)
	}
	badLine := strings.Replace(invoiceBody, `"tax_rate_bp": 1900}`, `"tax_rate_bp": 1900, "net_minor": 1500}`, 1)
	badLine = strings.Replace(badLine, `"unit_price_minor": 999, "tax_rate_bp": 1900}`, `"unit_price_minor": 999, "tax_rate_bp": 1900, "net_minor": 1500}`, 1)
	res = h.call("PUT", "/api/v1/invoices/API-2", key, badLine)
	if res.status != 400 || res.fieldCodes(t)["lines[1].net_minor"] != "error.api.line_mismatch" || !strings.Contains(string(res.body), "1499") {
		t.Errorf("wrong line amount: %d %s", res.status, res.body)
	}
	if n := h.queryInt(`SELECT count(*) FROM invoices WHERE number = 'API-2'`); n != 0 {
		t.Error("an invalid invoice was stored")
	}
	// Unknown debtor, and another creditor's debtor, are the same: unknown.
	other := strings.Replace(invoiceBody, `"K-100"`, `"NOBODY"`, 1)
	if res := h.call("PUT", "/api/v1/invoices/API-3", h.apiKey(h.b), other); res.status != 400 || res.fieldCodes(t)["customer_number"] != "error.api.unknown_debtor" {
		t.Errorf("unknown debtor: %d %s", res.status, res.body)
	}

	// An unsettled invoice can be corrected; the ledger follows.
	corrected := strings.Replace(strings.Replace(invoiceBody, `"unit_price_minor": 8000`, `"unit_price_minor": 9000`, 1),
		`"net_minor": 9499, "tax_minor": 1805, "total_minor": 11304`, `"net_minor": 10499, "tax_minor": 1995, "total_minor": 12494`, 1)
	res = h.call("PUT", "/api/v1/invoices/API-1", key, corrected)
	if res.status != 200 || res.json(t)["total_minor"].(float64) != 12494 {
		t.Fatalf("correct: %d %s", res.status, res.body)
	}
	if got, _ := h.st.Invoice(h.ctx, h.a.ID, h.alice.ID, "API-1"); got.OpenMinor != 12494 || got.TotalMinor != 12494 {
		t.Errorf("after correction open %d total %d", got.OpenMinor, got.TotalMinor)
	}
	// Once paid in part it is a conflict, not a silent overwrite.
	got, _ := h.st.Invoice(h.ctx, h.a.ID, h.alice.ID, "API-1")
	if err := h.st.BookPayment(h.ctx, h.a.ID, h.alice.ID, got.ID, 1000, "EUR", civil("2026-11-10"), "transfer"); err != nil {
		t.Fatal(err)
	}
	if res := h.call("PUT", "/api/v1/invoices/API-1", key, invoiceBody); res.status != 409 || res.json(t)["code"] != "error.api.invoice_settled" {
		t.Errorf("settled invoice: %d %s", res.status, res.body)
	}
	// Moving an invoice to another debtor is a conflict too.
	moved := strings.Replace(invoiceBody, `"K-100"`, `"`+h.bob.CustomerNumber+`"`, 1)
	if res := h.call("PUT", "/api/v1/invoices/API-1", key, moved); res.status != 409 {
		t.Errorf("moved invoice: %d %s", res.status, res.body)
	}
}

func TestAPIIdempotency(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	key := h.apiKey(h.a)
	first := h.call("PUT", "/api/v1/invoices/IDEM-1", key, invoiceBody, "Idempotency-Key", "k-1")
	again := h.call("PUT", "/api/v1/invoices/IDEM-1", key, invoiceBody, "Idempotency-Key", "k-1")
	if first.status != 201 || again.status != 201 || string(first.body) != string(again.body) || again.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("replay: %d/%d %q", first.status, again.status, again.header.Get("Idempotent-Replayed"))
	}
	if n := h.queryInt(`SELECT count(*) FROM events WHERE data->>'invoice_number' = 'IDEM-1'`); n != 1 {
		t.Errorf("%d events for one idempotent request", n)
	}
	other := strings.Replace(invoiceBody, "Strom November", "Strom Dezember", 1)
	if res := h.call("PUT", "/api/v1/invoices/IDEM-1", key, other, "Idempotency-Key", "k-1"); res.status != 422 || res.json(t)["code"] != "error.api.idempotency_mismatch" {
		t.Errorf("same key, other body: %d %s", res.status, res.body)
	}
	// Keys are per creditor: B may use "k-1" for its own request.
	if res := h.call("PUT", "/api/v1/debtors/Z-1", h.apiKey(h.b), `{"name":"Zoe"}`, "Idempotency-Key", "k-1"); res.status != 201 {
		t.Errorf("other creditor, same key: %d %s", res.status, res.body)
	}
	// A duplicate while the first is still running is 409.
	zoe := `{"name":"Zoe"}`
	sum := sha256.Sum256([]byte(zoe))
	if _, _, err := h.st.BeginIdempotent(h.ctx, h.a.ID, "k-2", "PUT", "/api/v1/debtors/Z-2", sum[:], time.Minute); err != nil {
		t.Fatal(err)
	}
	if res := h.call("PUT", "/api/v1/debtors/Z-2", key, zoe, "Idempotency-Key", "k-2"); res.status != 409 {
		t.Errorf("in flight: %d %s", res.status, res.body)
	}
	// Concurrent identical requests create one invoice.
	var wg sync.WaitGroup
	statuses := make([]int, 8)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = h.call("PUT", "/api/v1/invoices/IDEM-2", key, invoiceBody, "Idempotency-Key", "k-3").status
		}()
	}
	wg.Wait()
	for _, s := range statuses {
		if s != 201 && s != 409 {
			t.Errorf("concurrent duplicate answered %d", s)
		}
	}
	if n := h.queryInt(`SELECT count(*) FROM events WHERE data->>'invoice_number' = 'IDEM-2'`); n != 1 {
		t.Errorf("%d invoices from concurrent duplicates", n)
	}
}

// TestAPIIdempotencyAfterCrash: a request whose process died (kill -9)
// after claiming its Idempotency-Key left the key in flight. Once the
// claim has not been renewed for idempotencyStale, the client's retry
// with the same key runs the request instead of hearing 409 forever; a
// payment that was committed before the crash is found by its
// external_id, not booked twice. A live claim is still 409, and another
// body is still 422.
func TestAPIIdempotencyAfterCrash(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	key := h.apiKey(h.a)
	body := `{"customer_number": "` + h.alice.CustomerNumber + `", "amount_minor": 700, "currency": "EUR",
		"value_date": "2026-11-20", "external_id": "CRASH-1"}`
	sum := sha256.Sum256([]byte(body))
	// The first run booked the payment and died before it completed the key.
	first := h.call("POST", "/api/v1/payments", key, body)
	if first.status != 201 {
		t.Fatalf("first run: %d %s", first.status, first.body)
	}
	if _, _, err := h.st.BeginIdempotent(h.ctx, h.a.ID, "pay-1", "POST", "/api/v1/payments", sum[:], idempotencyStale); err != nil {
		t.Fatal(err)
	}
	if res := h.call("POST", "/api/v1/payments", key, body, "Idempotency-Key", "pay-1"); res.status != 409 ||
		res.json(t)["code"] != "error.api.idempotency_in_flight" || res.header.Get("Retry-After") == "" {
		t.Fatalf("live claim: %d %s", res.status, res.body)
	}
	// Its claim goes stale: nobody renews it.
	h.db.MustExec(`UPDATE idempotency_keys SET created_at = created_at - interval '11 seconds' WHERE creditor_id = $1 AND key = 'pay-1'`, h.a.ID)
	other := strings.Replace(body, "700", "800", 1)
	if res := h.call("POST", "/api/v1/payments", key, other, "Idempotency-Key", "pay-1"); res.status != 422 {
		t.Errorf("stale claim, other body: %d %s", res.status, res.body)
	}
	retry := h.call("POST", "/api/v1/payments", key, body, "Idempotency-Key", "pay-1")
	if retry.status != 200 || retry.json(t)["id"] != first.json(t)["id"] {
		t.Fatalf("retry after the crash: %d %s, want 200 with %v", retry.status, retry.body, first.json(t)["id"])
	}
	again := h.call("POST", "/api/v1/payments", key, body, "Idempotency-Key", "pay-1")
	if again.header.Get("Idempotent-Replayed") != "true" || string(again.body) != string(retry.body) {
		t.Errorf("after the retry the key replays: %d %q %s", again.status, again.header.Get("Idempotent-Replayed"), again.body)
	}
	if n := h.queryInt(`SELECT count(*) FROM payments WHERE external_id = 'CRASH-1'`); n != 1 {
		t.Errorf("%d payments for one external_id", n)
	}
	// A crash before anything was booked: the retry books it, once.
	body2 := strings.Replace(body, "CRASH-1", "CRASH-2", 1)
	sum2 := sha256.Sum256([]byte(body2))
	_, claim, err := h.st.BeginIdempotent(h.ctx, h.a.ID, "pay-2", "POST", "/api/v1/payments", sum2[:], idempotencyStale)
	if err != nil {
		t.Fatal(err)
	}
	h.db.MustExec(`UPDATE idempotency_keys SET created_at = created_at - interval '11 seconds' WHERE creditor_id = $1 AND key = 'pay-2'`, h.a.ID)
	if res := h.call("POST", "/api/v1/payments", key, body2, "Idempotency-Key", "pay-2"); res.status != 201 {
		t.Errorf("retry after a crash before booking: %d %s", res.status, res.body)
	}
	if n := h.queryInt(`SELECT count(*) FROM payments WHERE external_id = 'CRASH-2'`); n != 1 {
		t.Errorf("%d payments for CRASH-2", n)
	}
	// The dead run's claim can no longer complete or release the key.
	if err := h.st.CompleteIdempotent(h.ctx, h.a.ID, "pay-2", claim, 500, []byte("{}")); !ar.IsNotFound(err) {
		t.Errorf("completing a claim that was taken over: %v", err)
	}
	if _, err := h.st.RenewIdempotent(h.ctx, h.a.ID, "pay-2", claim); !ar.IsNotFound(err) {
		t.Errorf("renewing a claim that was taken over: %v", err)
	}
}

func TestAPILinkAndEvents(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	key := h.apiKey(h.a)
	res := h.call("POST", "/api/v1/debtors/K-100/links", key, `{"send": "email"}`)
	if res.status != 201 {
		t.Fatalf("link: %d %s", res.status, res.body)
	}
	m := res.json(t)
	url, _ := m["url"].(string)
	if !strings.HasPrefix(url, testBase+"/l/") || m["expires_at"] == nil || m["sent_to"] != ar.MaskEmail(aliceEmail) {
		t.Errorf("link response %v", m)
	}
	if page := h.client().get(strings.TrimPrefix(url, testBase)); page.StatusCode != 200 || !contains(page.html(t).text(), nameA) {
		t.Errorf("the API's link does not open: %d", page.StatusCode)
	}
	if n := h.queryInt(`SELECT count(*) FROM messages WHERE purpose = 'link' AND recipient = $1 AND body LIKE '%' || $2 || '%'`, aliceEmail, url); n != 1 {
		t.Errorf("%d link emails queued", n)
	}
	if res := h.call("POST", "/api/v1/debtors/K-100/links", h.apiKey(h.b), `{"send": "fax"}`); res.status != 400 {
		t.Errorf("bad channel: %d", res.status)
	}
	if res := h.call("POST", "/api/v1/debtors/"+h.bob.CustomerNumber+"/links", h.apiKey(h.b), ``); res.status != 404 {
		t.Errorf("another creditor's debtor: %d", res.status)
	}

	// The feed pages with the cursor and shows only the key's creditor.
	for _, n := range []string{"EV-1", "EV-2", "EV-3"} {
		if r := h.call("PUT", "/api/v1/invoices/"+n, key, invoiceBody); r.status != 201 {
			t.Fatal(r.status)
		}
	}
	page1 := h.call("GET", "/api/v1/events?limit=2", key, "").json(t)
	data := page1["data"].([]any)
	if len(data) != 2 || data[0].(map[string]any)["type"] != "invoice.created" {
		t.Fatalf("page 1: %v", page1)
	}
	first := data[0].(map[string]any)
	if !strings.HasPrefix(first["id"].(string), "evt_") || first["debtor_sequence"].(float64) != 1 {
		t.Errorf("event %v", first)
	}
	after := int64(page1["next_after"].(float64))
	page2 := h.call("GET", "/api/v1/events?limit=2&after="+itoa(after), key, "").json(t)
	if d := page2["data"].([]any); len(d) != 1 || d[0].(map[string]any)["debtor_sequence"].(float64) != 3 {
		t.Errorf("page 2: %v", page2)
	}
	if d := h.call("GET", "/api/v1/events", h.apiKey(h.b), "").json(t)["data"].([]any); len(d) != 0 {
		t.Errorf("creditor B sees %d of A's events", len(d))
	}
	for _, q := range []string{"limit=0", "limit=1001", "after=-1", "after=x"} {
		if res := h.call("GET", "/api/v1/events?"+q, key, ""); res.status != 400 {
			t.Errorf("%s: %d", q, res.status)
		}
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

// TestAPIInputRendersInert pushes nested XSS payloads through the API and
// checks the debtor's pages show them as text.
func TestAPIInputRendersInert(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	key := h.apiKey(h.a)
	payload := `<scr<script>ipt>alert(1)</script>\"><img src=x onerror=alert(1)>`
	body := `{"name": "` + payload + `", "postcode": "10115"}`
	if res := h.call("PUT", "/api/v1/debtors/"+sharedCustNo, key, body); res.status != 200 {
		t.Fatalf("%d %s", res.status, res.body)
	}
	inv := strings.Replace(invoiceBody, `"Strom November"`, `"`+payload+`"`, 1)
	inv = strings.Replace(inv, `"Abschlag"`, `"`+payload+`"`, 1)
	if res := h.call("PUT", "/api/v1/invoices/XSS-1", key, inv); res.status != 201 {
		t.Fatalf("%d %s", res.status, res.body)
	}
	c := h.steppedUp(h.alice)
	for _, p := range []string{"/account", "/account/invoices/XSS-1"} {
		page := c.get(p)
		if strings.Contains(page.body, "<img src=x") || strings.Contains(page.body, "<script>alert") || strings.Contains(page.body, "<scr<script>") {
			t.Errorf("%s renders the payload as markup", p)
		}
		if !contains(page.html(t).text(), "alert(1)") {
			t.Errorf("%s does not show the payload as text", p)
		}
	}
}

// TestOpenAPIMatchesRoutes keeps the OpenAPI document and the router in
// step: every API route is documented and every documented operation
// exists.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	h := newHarness(t)
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	res := h.call("GET", "/api/v1/openapi.json", "", "")
	if res.status != 200 {
		t.Fatal(res.status)
	}
	if err := json.Unmarshal(res.body, &doc); err != nil || !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Fatalf("not OpenAPI 3.1: %v", err)
	}
	documented := map[string]bool{}
	for p, ops := range doc.Paths {
		for m := range ops {
			documented[strings.ToUpper(m)+" "+p] = true
		}
	}
	routed := map[string]bool{}
	for _, rt := range h.srv.Routes() {
		m, p := splitPattern(rt.Pattern)
		if strings.HasPrefix(p, "/api/") {
			routed[m+" "+p] = true
		}
	}
	for r := range routed {
		if !documented[r] {
			t.Errorf("route %s is not in openapi.json", r)
		}
	}
	for d := range documented {
		if !routed[d] {
			t.Errorf("openapi.json documents %s, which has no route", d)
		}
	}
}

func TestAPIInvoiceBatch(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	key := h.apiKey(h.a)
	item := func(number string) string {
		return strings.Replace(invoiceBody, `{"customer_number"`, `{"invoice_number": "`+number+`", "customer_number"`, 1)
	}
	bad := strings.Replace(item("B-3"), `"total_minor": 11304`, `"total_minor": 1`, 1)
	unknown := strings.Replace(item("B-4"), `"K-100"`, `"NOBODY"`, 1)
	body := `{"invoices": [` + item("B-1") + `,` + item("B-2") + `,` + bad + `,` + unknown + `,` + item("B-1") + `]}`
	res := h.call("POST", "/api/v1/invoices:batch", key, body)
	if res.status != 200 {
		t.Fatalf("batch: %d %s", res.status, res.body)
	}
	m := res.json(t)
	if m["created"].(float64) != 2 || m["failed"].(float64) != 3 {
		t.Errorf("batch summary %v", m)
	}
	results := m["results"].([]any)
	want := []float64{201, 201, 400, 400, 409}
	for i, w := range want {
		if got := results[i].(map[string]any)["status"].(float64); got != w {
			t.Errorf("item %d: status %v, want %v (%v)", i, got, w, results[i])
		}
	}
	if n := h.queryInt(`SELECT count(*) FROM invoices WHERE number LIKE 'B-%'`); n != 2 {
		t.Errorf("%d batch invoices stored, want 2", n)
	}
	// Again: the same invoices are corrections now (200), nothing doubles.
	res = h.call("POST", "/api/v1/invoices:batch", key, `{"invoices": [`+item("B-1")+`,`+item("B-2")+`]}`)
	if m := res.json(t); m["updated"].(float64) != 2 || h.queryInt(`SELECT count(*) FROM events WHERE data->>'invoice_number' LIKE 'B-%'`) != 2 {
		t.Errorf("second load: %v", m)
	}
	if res := h.call("POST", "/api/v1/invoices:batch", key, `{"invoices": []}`); res.status != 400 {
		t.Errorf("empty batch: %d", res.status)
	}
}

func TestAPIInvoiceDocument(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	key := h.apiKey(h.a)
	pdf := "%PDF-1.7\n" + strings.Repeat("1 0 obj << /Type /Catalog >> endobj\n", 4) + "%%EOF\n"
	res := h.call("PUT", "/api/v1/invoices/R-1001/document", key, pdf, "Content-Type", "application/pdf")
	if res.status != 200 || res.json(t)["size"].(float64) != float64(len(pdf)) {
		t.Fatalf("upload: %d %s", res.status, res.body)
	}
	if n := h.queryInt(`SELECT count(*) FROM invoice_documents d JOIN invoices i ON i.id = d.invoice_id WHERE i.number = 'R-1001' AND i.creditor_id = $1`, h.a.ID); n != 1 {
		t.Errorf("%d documents stored", n)
	}
	html := "<html><script>alert(1)</script></html>" + strings.Repeat(" ", 100)
	for name, c := range map[string]struct{ body, ct string }{
		"HTML named PDF": {html, "application/pdf"},
		"wrong type":     {pdf, "text/html"},
		"truncated PDF":  {"%PDF-1.7\n" + strings.Repeat("x", 100), "application/pdf"},
	} {
		if res := h.call("PUT", "/api/v1/invoices/R-1001/document", key, c.body, "Content-Type", c.ct); res.status != 400 {
			t.Errorf("%s: %d", name, res.status)
		}
	}
	// Another creditor's invoice with the same number is not reachable.
	if res := h.call("PUT", "/api/v1/invoices/R-1001/document", h.apiKey(h.b), pdf, "Content-Type", "application/pdf"); res.status != 404 {
		t.Errorf("other creditor: %d", res.status)
	}
	big := "%PDF-1.7\n" + strings.Repeat("x", 10<<20) + "%%EOF"
	if res := h.call("PUT", "/api/v1/invoices/R-1001/document", key, big, "Content-Type", "application/pdf"); res.status != 400 || res.json(t)["code"] != "error.api.body_too_large" {
		t.Errorf("too large: %d", res.status)
	}
}

func TestAPIDocuments(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	key := h.apiKey(h.a)
	res := h.call("GET", "/api/v1/invoices/R-1001/pdf", key, "")
	if res.status != 200 || res.header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(string(res.body), "%PDF-") {
		t.Errorf("invoice pdf: %d", res.status)
	}
	if res := h.call("GET", "/api/v1/invoices/R-3001/pdf", key, ""); res.status != 404 {
		t.Errorf("other creditor's invoice: %d", res.status)
	}
	st := h.call("GET", "/api/v1/debtors/K-100/statement?from=2026-01-01&to=2026-12-31", key, "")
	m := st.json(t)
	open := h.open("R-1001") + h.open("R-1002") + h.open("R-1003")
	if st.status != 200 || m["closing_balance_minor"].(float64) != float64(open) || len(m["entries"].([]any)) < 4 {
		t.Errorf("statement: %d %v", st.status, m)
	}
	docs := map[string]bool{}
	for _, e := range m["entries"].([]any) {
		if d, ok := e.(map[string]any)["document"].(string); ok {
			docs[d] = true
		}
	}
	if !docs["R-1001"] || !docs["R-1002"] {
		t.Errorf("statement entries' documents: %v", docs)
	}
	// Creditor B's key sees B's K-100 (carol), never alice.
	other := h.call("GET", "/api/v1/debtors/K-100/statement?from=2026-01-01&to=2026-12-31", h.apiKey(h.b), "").json(t)
	for _, e := range other["entries"].([]any) {
		if n := e.(map[string]any)["invoice_number"]; n == "R-1001" || n == "R-1002" {
			t.Errorf("creditor B sees alice's %v", n)
		}
	}
	if res := h.call("GET", "/api/v1/debtors/K-100/statement?from=nope", key, ""); res.status != 400 {
		t.Errorf("bad date: %d", res.status)
	}
}
