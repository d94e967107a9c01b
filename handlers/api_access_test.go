package handlers

import (
	"net/http"
	"sort"
	"strings"
	"testing"
)

// apiRoutes are the creditor API's routes (an API key's).
func apiRoutes(s *Server) []Route {
	var out []Route
	for _, rt := range s.Routes() {
		if rt.Access == APIKey {
			out = append(out, rt)
		}
	}
	return out
}

// apiIdentifiers are, per path parameter of an API route, two of creditor
// A's identifiers: one that only A has (B's key must get 404) and one that
// B has too for an object of its own (B's key reaches B's object, never
// A's). A new route with a new parameter fails TestAPIIDORMatrix until it
// is added here.
func apiIdentifiers() map[string][2]string {
	return map[string][2]string{
		"customer_number": {"K-200", sharedCustNo}, // bob's; alice's, which is carol's at B
		"invoice_number":  {aliceNumbers[0], bobNumbers[0]},
	}
}

// apiIDORBodies is a valid body for each API route with an identifier
// that takes one (content type, body). A new such route fails the test
// until it has one here.
func apiIDORBodies() map[string][2]string {
	return map[string][2]string{
		"PUT /api/v1/debtors/{customer_number}":                {"application/json", `{"name": "Mallory Meise", "email": "mallory@example.com", "postcode": "99999"}`},
		"POST /api/v1/debtors/{customer_number}/links":         {"application/json", `{}`},
		"PUT /api/v1/debtors/{customer_number}/service-status": {"application/json", `{"status": "suspended", "restore_minor": 100, "note": "mallory"}`},
		"PUT /api/v1/invoices/{invoice_number}":                {"application/json", invoiceBody}, // for K-100: carol at B
		"PUT /api/v1/invoices/{invoice_number}/document":       {"application/pdf", "%PDF-1.7\n" + strings.Repeat("1 0 obj << /Type /Catalog >> endobj\n", 4) + "%%EOF\n"},
	}
}

// creditorFingerprint hashes every row of creditor c: each table with a
// creditor_id, the creditor itself and its invoices' lines.
func (h *harness) creditorFingerprint(id int64) map[string]string {
	h.t.Helper()
	var tables []string
	if err := h.db.Select(&tables, `SELECT c.table_name FROM information_schema.columns c
		JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
		WHERE c.table_schema = current_schema() AND c.column_name = 'creditor_id' AND t.table_type = 'BASE TABLE'`); err != nil {
		h.t.Fatal(err)
	}
	queries := map[string]string{
		"creditors":     `SELECT t::text FROM creditors t WHERE id = $1`,
		"invoice_lines": `SELECT t::text FROM invoice_lines t JOIN invoices i ON i.id = t.invoice_id WHERE i.creditor_id = $1`,
	}
	for _, tb := range tables {
		queries[tb] = `SELECT t::text FROM ` + tb + ` t WHERE creditor_id = $1`
	}
	fp := map[string]string{}
	for tb, q := range queries {
		var s string
		if err := h.db.Get(&s, `SELECT md5(coalesce(string_agg(r, '|' ORDER BY r), '')) || ':' || count(*) FROM (`+q+`) x(r)`, id); err != nil {
			h.t.Fatalf("fingerprint of %s: %v", tb, err)
		}
		fp[tb] = s
	}
	return fp
}

// Every API route with an identifier in its path, generated from the
// router, called with creditor B's key and creditor A's identifiers: an
// identifier only A has → 404 (GET and writes alike); one B has too →
// B's own object. Never a word of A's data in the answer, and not a byte
// of A's rows changed (a fingerprint of every row of A before and after).
// A's own key with the same identifiers succeeds, so the identifiers are
// real.
func TestAPIIDORMatrix(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	keyA, keyB := h.apiKey(h.a), h.apiKey(h.b)
	ids, bodies := apiIdentifiers(), apiIDORBodies()
	secrets := []string{aliceName, bobName, aliceEmail, "bob@example.org", "Amselweg", "Finch Lane", "Wartung", "Bobs", nameA}
	before := h.creditorFingerprint(h.a.ID)

	type call struct {
		method, path, ctype, body string
		onlyA                     bool
	}
	var calls []call
	for _, rt := range apiRoutes(h.srv) {
		method, path := splitPattern(rt.Pattern)
		params := wildcards(path)
		if len(params) == 0 {
			continue
		}
		var ctype, body string
		if method != http.MethodGet {
			b, ok := bodies[rt.Pattern]
			if !ok {
				t.Fatalf("route %q: no body; add one to apiIDORBodies", rt.Pattern)
			}
			ctype, body = b[0], b[1]
		}
		for which := range 2 {
			vals := map[string]string{}
			for _, p := range params {
				v, ok := ids[p]
				if !ok {
					t.Fatalf("route %q: no identifiers for {%s}; add two of creditor A's to apiIdentifiers", rt.Pattern, p)
				}
				vals[p] = v[which]
			}
			u, err := fillPath(path, vals)
			if err != nil {
				t.Fatalf("route %q: %v", rt.Pattern, err)
			}
			calls = append(calls, call{method, u, ctype, body, which == 0})
		}
	}
	if len(calls) < 10 {
		t.Fatalf("only %d calls: the API routes were not found", len(calls))
	}
	// Reads first, then writes to sub-resources, then the upserts: a PUT
	// that creates B's own debtor K-200 or invoice R-1001 makes the number
	// B's too for every later call.
	sort.SliceStable(calls, func(i, j int) bool {
		ri, rj := calls[i].method != http.MethodGet, calls[j].method != http.MethodGet
		if ri != rj {
			return !ri
		}
		return strings.Count(calls[i].path, "/") > strings.Count(calls[j].path, "/")
	})

	for _, c := range calls {
		res := h.call(c.method, c.path, keyB, c.body, "Content-Type", c.ctype)
		switch {
		case c.onlyA && c.method == http.MethodPut && res.status == http.StatusCreated:
			// An upsert made B's own object under the same number.
		case c.onlyA && res.status != http.StatusNotFound:
			t.Errorf("B's key: %s %s (only A has it) = %d, want 404 (or 201 for an upsert): %.300s", c.method, c.path, res.status, res.body)
		case !c.onlyA && res.status >= 300:
			t.Errorf("B's key: %s %s (B has its own) = %d, want B's own object: %.300s", c.method, c.path, res.status, res.body)
		}
		for _, s := range secrets {
			if strings.Contains(string(res.body), s) {
				t.Errorf("B's key: %s %s answers with A's %q", c.method, c.path, s)
			}
		}
		after := h.creditorFingerprint(h.a.ID)
		var changed []string
		for tb, fp := range before {
			if after[tb] != fp {
				changed = append(changed, tb)
			}
		}
		sort.Strings(changed)
		if len(changed) > 0 {
			t.Errorf("B's key: %s %s changed A's rows in %s", c.method, c.path, strings.Join(changed, ", "))
			before = after
		}
	}

	// A's own key reaches the same objects.
	for _, c := range calls {
		if !c.onlyA {
			continue
		}
		if res := h.call(c.method, c.path, keyA, c.body, "Content-Type", c.ctype); res.status >= 300 {
			t.Errorf("A's own key: %s %s = %d: %.300s", c.method, c.path, res.status, res.body)
		}
	}
	t.Logf("%d calls with B's key checked", len(calls))
}
