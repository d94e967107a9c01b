package handlers

// A fuzz target for the creditor API's JSON bodies, driven through the
// whole handler (auth, body limits, decoding, validation, the services,
// PostgreSQL): whatever a billing system sends, the answer is a 2xx or a
// 4xx problem, never a 500.
//
//	go test -run '^$' -fuzz '^FuzzAPIBodies$' -fuzztime 10s ./handlers

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func FuzzAPIBodies(f *testing.F) {
	h := newHarness(f)
	key := h.apiKey(h.a)
	for _, seed := range []string{
		invoiceBody,
		`{"name": "Dora Dohle", "email": "dora@example.org", "phone": "0151 2345 6789", "hardship": true}`,
		`{"customer_number": "K-100", "amount_minor": 1000, "currency": "EUR", "value_date": "2026-11-20", "invoice_numbers": ["R-1001"]}`,
		`{"number": "G-1", "customer_number": "K-100", "amount_minor": 100, "currency": "EUR", "issue_date": "2026-11-20"}`,
		`{"status": "restricted", "restore_minor": 5000, "note": "x"}`,
		`{"invoices": [{"number": "B-1", "customer_number": "K-100"}]}`,
		`{"amount_minor": -1, "currency": "eur", "lines": [{"quantity": "1e400"}]}`,
		`{"quantity": "9999999999999999999999", "unit_price_minor": 9223372036854775807, "tax_rate_bp": -5}`,
		`[]`, `null`, `{"name": "\u0000"}`, `{"a":` + strings.Repeat("[", 200),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		for _, c := range []struct{ method, path string }{
			{"PUT", "/api/v1/debtors/K-100"},
			{"PUT", "/api/v1/invoices/F-1"},
			{"POST", "/api/v1/payments"},
			{"POST", "/api/v1/credit-notes"},
			{"PUT", "/api/v1/debtors/K-100/service-status"},
			{"POST", "/api/v1/invoices:batch"},
			{"POST", "/api/v1/debtors/K-100/links"},
		} {
			req := httptest.NewRequest(c.method, testBase+c.path, strings.NewReader(body))
			req.RemoteAddr = "192.0.2.50:1234"
			req.Header.Set("Authorization", "Bearer "+key)
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			h.h.ServeHTTP(rec, req) // h.call would use the harness's *testing.F inside the target
			if rec.Code >= 500 {
				t.Fatalf("%s %s with %q = %d: %.500s", c.method, c.path, body, rec.Code, rec.Body.String())
			}
		}
	})
}
