package handlers

import (
	"encoding/json"
	"github.com/settle/settle/internal/staff"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/store"
	"github.com/settle/settle/static"
)

// routeValues instantiates path parameters with real values of alice.
func (h *harness) routeValues() map[string]string {
	tok, _ := h.link(h.alice)
	v := map[string]string{"token": tok, "number": "R-1001", "slug": slugA,
		"customer_number": sharedCustNo, "invoice_number": "R-1001", "plan": alicePlan}
	for name, ids := range staffIdentifiers(h) { // staff routes: creditor A's
		v[name] = ids[0]
	}
	return v
}

// hasGETSibling reports whether a GET route serves the same path as a
// POST route (then GET on that path is a page, not a 405).
func hasGETSibling(routes []Route, path string) bool {
	for _, rt := range routes {
		m, p := splitPattern(rt.Pattern)
		if p == path && (m == http.MethodGet) {
			return true
		}
	}
	return false
}

// CSRF, walked from the router: state changes need POST, and a POST from
// another site is refused while one from our own pages is not.
func TestCSRFRouterWalk(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	routes := h.srv.Routes()
	forbidden := norm(h.de().T("page.error.forbidden.title"))
	form := url.Values{"answer": {"00000"}, "channel": {"email"}, "next": {"/account"}}

	posts := 0
	for _, rt := range routes {
		method, path := splitPattern(rt.Pattern)
		if method != http.MethodPost {
			continue
		}
		posts++
		t.Run(rt.Pattern, func(t *testing.T) {
			u, err := fillPath(path, h.routeValues())
			if err != nil {
				t.Fatal(err)
			}
			// A path that is also a page (GET /l/{token}, GET /account/verify)
			// answers GET with that page; only POST-only paths must say 405.
			if !hasGETSibling(routes, path) {
				t.Run("GET is 405", func(t *testing.T) {
					c := h.steppedUp(h.alice)
					before := c.sessionCookie().Value
					res := c.get(u)
					if c.sessionCookie() == nil || c.sessionCookie().Value != before {
						t.Errorf("GET %s changed the session", u)
					}
					if res := c.get("/account"); res.StatusCode != http.StatusOK {
						t.Errorf("after GET %s /account = %d", u, res.StatusCode)
					}
					if res.StatusCode == http.StatusNotFound {
						t.Fatalf("regression: GET %s = 404, not 405: the method-less catch-all {\"/\", Public, notFound} in "+
							"handlers/routes.go matches every method, so ServeMux never answers 405 for POST-only "+
							"routes (SECURITY.md: mutating routes reject GET with 405). Fix: in notFound, look the "+
							"path up with the other methods (mux.Handler on a copy of the request) and answer 405 "+
							"with an Allow header when one matches, or drop the catch-all and render 404/405 from a "+
							"wrapper around the mux.", u)
					}
					if res.StatusCode != http.StatusMethodNotAllowed {
						t.Fatalf("GET %s = %d, want 405", u, res.StatusCode)
					}
					if allow := res.Header.Get("Allow"); !strings.Contains(allow, http.MethodPost) {
						t.Errorf("Allow = %q, want POST in it", allow)
					}
				})
			}

			crossSite := []struct {
				name string
				hdr  []string
			}{
				{"Sec-Fetch-Site cross-site", []string{"Sec-Fetch-Site", "cross-site", "Origin", "http://evil.example"}},
				{"Sec-Fetch-Site same-site", []string{"Sec-Fetch-Site", "same-site", "Origin", "http://sub.settle.test"}},
				{"foreign Origin only", []string{"Sec-Fetch-Site", "", "Origin", "http://evil.example"}},
				{"null Origin only", []string{"Sec-Fetch-Site", "", "Origin", "null"}},
			}
			if strings.HasPrefix(path, "/webhooks/") {
				// The one bypass (DESIGN.md): payment providers post from
				// their servers; no cookie is involved. Such a POST must
				// still pass, or Mollie's webhooks would be refused.
				res := h.client().post(path, url.Values{"id": {"tr_unknown1"}}, "Sec-Fetch-Site", "cross-site", "Origin", "https://api.mollie.com")
				if res.StatusCode != http.StatusOK {
					t.Errorf("cross-site POST %s = %d, want 200 (webhooks are exempt)", path, res.StatusCode)
				}
				return
			}
			for _, cs := range crossSite {
				t.Run(cs.name, func(t *testing.T) {
					c := h.steppedUp(h.alice)
					before := c.sessionCookie().Value
					vals := h.routeValues()
					u, _ := fillPath(path, vals)
					msgs := h.queryInt(`SELECT count(*) FROM messages`)
					res := c.post(u, form, cs.hdr...)
					if res.StatusCode != http.StatusForbidden {
						t.Fatalf("cross-site POST %s = %d, want 403", u, res.StatusCode)
					}
					if res.html(t).h1() != forbidden {
						t.Errorf("403 title = %q, want %q", res.html(t).h1(), forbidden)
					}
					if ck := c.sessionCookie(); ck == nil || ck.Value != before {
						t.Error("a refused POST changed the session")
					}
					if res := c.get("/account"); res.StatusCode != http.StatusOK {
						t.Errorf("after a refused POST /account = %d", res.StatusCode)
					}
					if tok, ok := vals["token"]; ok {
						if n := h.queryInt(`SELECT use_count FROM access_links WHERE token_hash = $1`, ar.HashToken(tok)); n != 0 {
							t.Error("a refused POST entered the link")
						}
					}
					if n := h.queryInt(`SELECT count(*) FROM messages`); n != msgs {
						t.Error("a refused POST queued a message")
					}
				})
			}

			sameOrigin := []struct {
				name string
				hdr  []string
			}{
				{"Sec-Fetch-Site same-origin", []string{"Sec-Fetch-Site", "same-origin", "Origin", testBase}},
				{"own Origin only", []string{"Sec-Fetch-Site", "", "Origin", testBase}},
				{"user typed (none)", []string{"Sec-Fetch-Site", "none", "Origin", ""}},
			}
			for _, so := range sameOrigin {
				t.Run(so.name, func(t *testing.T) {
					c := h.entered(h.alice)
					u, _ := fillPath(path, h.routeValues())
					res := c.post(u, form, so.hdr...)
					if res.StatusCode == http.StatusForbidden {
						t.Fatalf("same-origin POST %s = 403", u)
					}
					if res.StatusCode >= 500 {
						t.Fatalf("same-origin POST %s = %d", u, res.StatusCode)
					}
				})
			}
		})
	}
	if posts == 0 {
		t.Fatal("no POST routes found")
	}
}

// cspDirectives parses a Content-Security-Policy header.
func cspDirectives(csp string) map[string][]string {
	out := map[string][]string{}
	for _, d := range strings.Split(csp, ";") {
		f := strings.Fields(d)
		if len(f) == 0 {
			continue
		}
		out[strings.ToLower(f[0])] = f[1:]
	}
	return out
}

func only(vals []string, want string) bool { return len(vals) == 1 && vals[0] == want }

// checkHeaders asserts the golden security headers on a response and,
// for HTML, that every style and script carries the CSP nonce. It
// returns the nonce.
func checkHeaders(t *testing.T, label string, res *tresp) string {
	t.Helper()
	if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("%s: X-Content-Type-Options = %q", label, got)
	}
	if got := res.Header.Get("Referrer-Policy"); got != "no-referrer" {
		t.Errorf("%s: Referrer-Policy = %q", label, got)
	}
	if got := res.Header.Get("X-Frame-Options"); got != "DENY" {
		t.Errorf("%s: X-Frame-Options = %q", label, got)
	}
	if n := len(res.Header.Values("Content-Security-Policy")); n != 1 {
		t.Errorf("%s: %d Content-Security-Policy headers, want 1", label, n)
	}
	csp := cspDirectives(res.Header.Get("Content-Security-Policy"))
	var nonce string
	for _, v := range csp["script-src"] {
		if strings.HasPrefix(v, "'nonce-") && strings.HasSuffix(v, "'") {
			nonce = strings.TrimSuffix(strings.TrimPrefix(v, "'nonce-"), "'")
		}
		switch strings.ToLower(v) {
		case "'unsafe-inline'", "'unsafe-eval'", "*", "http:", "https:", "data:", "'strict-dynamic'":
			t.Errorf("%s: script-src allows %s", label, v)
		}
	}
	if len(nonce) < 16 {
		t.Errorf("%s: script-src has no nonce: %q", label, res.Header.Get("Content-Security-Policy"))
	}
	for _, v := range csp["style-src"] {
		if strings.EqualFold(v, "'unsafe-inline'") {
			t.Errorf("%s: style-src allows 'unsafe-inline'", label)
		}
	}
	for dir, want := range map[string]string{"default-src": "'none'", "object-src": "'none'", "base-uri": "'none'", "frame-ancestors": "'none'"} {
		if !only(csp[dir], want) {
			t.Errorf("%s: %s = %v, want %s", label, dir, csp[dir], want)
		}
	}
	for dir, vals := range csp {
		for _, v := range vals {
			if strings.Contains(v, "://") || v == "*" {
				t.Errorf("%s: %s allows another origin: %s", label, dir, v)
			}
		}
	}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		checkHTML(t, label, res, nonce)
	}
	return nonce
}

// checkHTML asserts what every HTML page must do under the CSP.
func checkHTML(t *testing.T, label string, res *tresp, nonce string) {
	t.Helper()
	if res.StatusCode < 300 || res.StatusCode >= 400 {
		if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
			t.Errorf("%s: Cache-Control = %q, want no-store", label, cc)
		}
	}
	doc := res.html(t)
	for _, n := range doc.all(func(n *htmlNode) bool { return n.Data == "style" || n.Data == "script" }) {
		if got, _ := attr(n, "nonce"); got != nonce || nonce == "" {
			t.Errorf("%s: <%s> has nonce %q, want the CSP nonce %q", label, n.Data, got, nonce)
		}
	}
	for _, n := range doc.all(func(*htmlNode) bool { return true }) {
		for _, a := range n.Attr {
			k := strings.ToLower(a.Key)
			if strings.HasPrefix(k, "on") {
				t.Errorf("%s: <%s %s=...> is inline script", label, n.Data, a.Key)
			}
			if k == "style" {
				t.Errorf("%s: <%s style=...> is blocked by the CSP", label, n.Data)
			}
			if (k == "href" || k == "src" || k == "action") && strings.HasPrefix(strings.ToLower(strings.TrimSpace(a.Val)), "javascript:") {
				t.Errorf("%s: <%s %s=%q>", label, n.Data, a.Key, a.Val)
			}
		}
		if n.Data == "base" {
			t.Errorf("%s: <base> element", label)
		}
	}
	if doc.lang() == "" {
		t.Errorf("%s: <html> has no lang", label)
	}
}

// Golden headers on every GET route of the router, on 404, 401, 405 and
// the CSRF 403.
func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	anon := h.client()
	fresh := h.entered(h.alice)
	stepped := h.steppedUp(h.alice)
	tok, _ := h.link(h.alice)
	agent := h.staffClient(staff.RoleAgent, h.a)
	operator := h.client()
	operator.staffLogin(h.addStaff(staff.RoleAdmin, nil, false))
	admin := h.staffClient(staff.RoleAdmin, h.a)
	msgID := h.addMessage(h.a, nil, `<p>Hallo</p><script>alert(1)</script>`)
	hookEP, _ := h.webhookWithDelivery(h.a)
	pending := h.client() // password done, second factor due
	pending.post("/staff/login", url.Values{"email": {h.addStaff(staff.RoleAdmin, h.a, true)}, "password": {staffPassword}})

	type getCase struct {
		c      *tclient
		path   string
		status int
	}
	cases := map[string]getCase{
		"GET /{$}":                           {anon, "/", 200},
		"GET /l/{token}":                     {anon, "/l/" + tok, 200},
		"GET /account":                       {stepped, "/account", 200},
		"GET /account/pay":                   {stepped, "/account/pay", 200},
		"GET /account/help":                  {stepped, "/account/help", 200},
		"GET /account/verify":                {fresh, "/account/verify", 200},
		"GET /account/invoices/{number}":     {stepped, "/account/invoices/R-1001", 200},
		"GET /account/payments/{id}":         {stepped, "/account/payments/" + alicePayment, 200},
		"GET /account/invoices/{number}/pdf": {stepped, "/account/invoices/R-1001/pdf", 200},
		"GET /account/statement":             {stepped, "/account/statement", 200},
		"GET /account/history":               {stepped, "/account/history", 200},
		"GET /account/mandate":               {stepped, "/account/mandate", 200},
		"GET /signed-out":                    {anon, "/signed-out?c=" + slugA, 200},
		"GET /brand/{slug}/logo":             {anon, "/brand/" + slugA + "/logo", 200},
		"GET /staff/login":                   {anon, "/staff/login", 200},
		"GET /staff/login/totp":              {pending, "/staff/login/totp", 200},
		"GET /staff":                         {agent, "/staff", 200},
		"GET /staff/account":                 {agent, "/staff/account", 200},
		"GET /staff/creditors":               {operator, "/staff/creditors", 200},
		// back office: search, debtor view, calls
		"GET /staff/debtors":                                 {agent, "/staff/debtors?q=Amsel", 200},
		"GET /staff/debtors/{debtor}":                        {agent, "/staff/debtors/" + strconv.FormatInt(h.alice.ID, 10), 200},
		"GET /staff/debtors/{debtor}/link":                   {agent, "/staff/debtors/" + strconv.FormatInt(h.alice.ID, 10) + "/link?channel=sms", 200},
		"GET /staff/debtors/{debtor}/invoices/{invoice}/pdf": {agent, "/staff/debtors/" + strconv.FormatInt(h.alice.ID, 10) + "/invoices/R-1001/pdf", 200},
		"GET /staff/calls/pop":                               {agent, "/staff/calls/pop?number=%2B49000", 200},

		// back office: queues and dashboard
		"GET /staff/queues":    {agent, "/staff/queues", 200},
		"GET /staff/disputes":  {agent, "/staff/disputes", 303},
		"GET /staff/plans":     {agent, "/staff/plans", 303},
		"GET /staff/dashboard": {agent, "/staff/dashboard", 200},

		// back office: payment plans
		"GET /staff/plans/{plan}":               {agent, "/staff/plans/" + h.addPlan(h.a, h.alice), 200},
		"GET /staff/plans/{plan}/offer":         {admin, "/staff/plans/" + h.addPlan(h.a, h.alice) + "/offer", 200},
		"GET /staff/debtors/{debtor}/plans/new": {admin, "/staff/debtors/" + strconv.FormatInt(h.alice.ID, 10) + "/plans/new", 200},
		"GET /staff/settings/plans":             {admin, "/staff/settings/plans", 200},

		// back office: users, audit log, outbox
		"GET /staff/users":                 {admin, "/staff/users", 200},
		"GET /staff/users/new":             {admin, "/staff/users/new", 200},
		"GET /staff/users/{user}":          {admin, "/staff/users/" + h.staffUserID(h.addStaff(staff.RoleAR, h.a, false)), 200},
		"GET /staff/audit":                 {admin, "/staff/audit", 200},
		"GET /staff/outbox":                {agent, "/staff/outbox", 200},
		"GET /staff/outbox/{message}":      {agent, "/staff/outbox/" + msgID, 200},
		"GET /staff/outbox/{message}/html": {agent, "/staff/outbox/" + msgID + "/html", 200},

		// back office: settings (branding, API keys, webhook endpoints)
		"GET /staff/settings":                     {admin, "/staff/settings", 200},
		"GET /staff/settings/brand":               {admin, "/staff/settings/brand", 200},
		"GET /staff/settings/api-keys":            {admin, "/staff/settings/api-keys", 200},
		"GET /staff/settings/webhooks":            {admin, "/staff/settings/webhooks", 200},
		"GET /staff/settings/webhooks/{endpoint}": {admin, "/staff/settings/webhooks/" + hookEP, 200},

		// back office: settings, dispute reasons
		"GET /staff/settings/dispute-reasons": {admin, "/staff/settings/dispute-reasons", 200},

		// payment plans, debtor side
		"GET /account/more-time":    {stepped, "/account/more-time", 200},
		"GET /account/plans":        {stepped, "/account/plans", 200},
		"GET /account/plans/{plan}": {stepped, "/account/plans/" + alicePlan, 200},

		// promises to pay, debtor side
		"GET /account/promise": {stepped, "/account/promise", 200},
		// disputes
		"GET /account/invoices/{number}/dispute":                   {stepped, "/account/invoices/R-1001/dispute", 200},
		"GET /account/disputes":                                    {stepped, "/account/disputes", 200},
		"GET /account/disputes/{dispute}":                          {stepped, "/account/disputes/" + aliceDispute, 200},
		"GET /account/disputes/{dispute}/attachments/{attachment}": {stepped, "/account/disputes/" + aliceDispute + "/attachments/" + aliceAttachment, 200},
		"GET /staff/disputes/{dispute}":                            {agent, staffDisputePath(h.disputeIDs[aliceDispute], ""), 200},
		"GET /staff/disputes/{dispute}/attachments/{attachment}":   {agent, staffDisputePath(h.disputeIDs[aliceDispute], "/attachments/"+aliceAttachment), 200},
		// credit notes
		"GET /account/credit-notes/{creditnote}/pdf":                {stepped, "/account/credit-notes/" + h.addCreditNote(h.a, h.alice, "GS-SEC", "R-1001", 100) + "/pdf", 200},
		"GET /staff/debtors/{debtor}/credit-notes/{creditnote}/pdf": {agent, staffCreditNotePath(h.alice.ID, "GS-SEC"), 200},

		// reminders (issue 9)
		"GET /account/reminders":        {stepped, "/account/reminders", 200},
		"GET /staff/settings/reminders": {admin, "/staff/settings/reminders", 200},
		// credit requests (issue 9)
		"GET /account/credit-request": {stepped, "/account/credit-request?invoice=R-1001", 200},

		// dunning letters (issue 9): the print-and-mail export
		"GET /staff/outbox/letters/pdf":  {admin, h.lettersPDFPath(), 200},
		"GET /staff/outbox/{letter}/pdf": {agent, h.letterPath(), 200},

		// dunning admin (issue 9)
		"GET /staff/settings/dunning":                   {admin, "/staff/settings/dunning", 200},
		"GET /staff/settings/dunning/policies/new":      {admin, "/staff/settings/dunning/policies/new", 200},
		"GET /staff/settings/dunning/policies/{policy}": {admin, "/staff/settings/dunning/policies/standard", 200},

		// experiments (issue 9)
		"GET /staff/dunning/experiments":     {admin, "/staff/dunning/experiments", 200},
		"GET /staff/dunning/experiments/new": {admin, "/staff/dunning/experiments/new", 200},

		// csv import (issue 10)
		"GET /staff/settings/import": {admin, "/staff/settings/import", 200},

		"GET /static/":             {anon, static.URL("app.css"), 200},
		"GET /healthz":             {anon, "/healthz", 200},
		"GET /readyz":              {anon, "/readyz", 200},
		"GET /api/v1/events":       {anon, "/api/v1/events", 401},
		"GET /e/{slug}":            {anon, "/e/" + slugA + "?customer=x", 404},
		"GET /api/v1/openapi.json": {anon, "/api/v1/openapi.json", 200},
		"GET /api/v1/invoices/{invoice_number}/pdf":       {anon, "/api/v1/invoices/R-1001/pdf", 401},
		"GET /api/v1/debtors/{customer_number}/statement": {anon, "/api/v1/debtors/K-100/statement", 401},
		"/": {anon, "/no-such-page", 404},
	}
	nonces := map[string]bool{}
	skipped := 0 // responses with a CSP of their own, checked on their own
	for _, rt := range h.srv.Routes() {
		method, _ := splitPattern(rt.Pattern)
		if method != http.MethodGet && method != "" {
			continue
		}
		gc, ok := cases[rt.Pattern]
		if !ok {
			t.Errorf("route %q has no golden header case: add one with real values", rt.Pattern)
			continue
		}
		res := gc.c.get(gc.path)
		if res.StatusCode != gc.status {
			t.Errorf("%s (%s) = %d, want %d", rt.Pattern, gc.path, res.StatusCode, gc.status)
		}
		if rt.Pattern == "GET /brand/{slug}/logo" {
			checkLogoHeaders(t, res)
			skipped++
			continue
		}
		if rt.Pattern == "GET /staff/outbox/{message}/html" {
			checkOutboxHTMLHeaders(t, res)
			skipped++
			continue
		}
		if strings.HasSuffix(rt.Pattern, "/attachments/{attachment}") {
			checkAttachmentHeaders(t, rt.Pattern, res, "application/pdf")
			skipped++
			continue
		}
		nonces[checkHeaders(t, rt.Pattern, res)] = true
		if strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
			if got := res.html(t).all(func(n *htmlNode) bool { return n.Data == "style" }); len(got) == 0 {
				t.Errorf("%s: the brand <style> is missing", rt.Pattern)
			}
		}
	}
	if len(nonces) < len(cases)-skipped-1 {
		t.Errorf("CSP nonces repeat across responses: %d distinct", len(nonces))
	}

	// Error pages.
	checkHeaders(t, "404 in a session", stepped.get("/account/invoices/R-2001"))
	checkHeaders(t, "404 unknown link", anon.get("/l/garbage"))
	r401 := h.client().get("/account")
	if r401.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /account without a session = %d", r401.StatusCode)
	}
	checkHeaders(t, "401", r401)
	r403 := stepped.post("/logout", nil, "Sec-Fetch-Site", "cross-site")
	if r403.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST /logout = %d", r403.StatusCode)
	}
	checkHeaders(t, "CSRF 403", r403)
	r410 := func() *tresp {
		tok, _ := h.link(h.bob)
		if _, err := h.st.RevokeAccessLinks(h.ctx, h.a.ID, h.bob.ID, 0, h.clock.Now()); err != nil {
			t.Fatal(err)
		}
		return anon.get("/l/" + tok)
	}()
	checkHeaders(t, "410", r410)
	r422 := fresh.post("/account/verify", url.Values{"answer": {"nope"}})
	checkHeaders(t, "422", r422)

	// 405: GET on a POST-only route.
	t.Run("405", func(t *testing.T) {
		r405 := stepped.get("/logout")
		if r405.StatusCode == http.StatusNotFound {
			checkHeaders(t, "GET /logout (404 instead of 405)", r405)
			t.Fatal("regression: no route ever answers 405 (see TestCSRFRouterWalk): headers checked on the 404 instead")
		}
		if r405.StatusCode != http.StatusMethodNotAllowed {
			t.Fatalf("GET /logout = %d, want 405", r405.StatusCode)
		}
		checkHeaders(t, "405", r405)
	})
}

// checkLogoHeaders: an uploaded logo (SVG may hold script) is served as
// an image under a CSP that runs nothing.
func checkLogoHeaders(t *testing.T, res *tresp) {
	t.Helper()
	if ct := res.Header.Get("Content-Type"); ct != "image/svg+xml" {
		t.Errorf("logo Content-Type = %q", ct)
	}
	if res.Header.Get("X-Content-Type-Options") != "nosniff" || res.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Error("logo: nosniff / no-referrer missing")
	}
	csp := cspDirectives(res.Header.Get("Content-Security-Policy"))
	if !only(csp["default-src"], "'none'") {
		t.Errorf("logo: default-src = %v, want 'none'", csp["default-src"])
	}
	if _, ok := csp["sandbox"]; !ok {
		t.Error("logo: CSP has no sandbox")
	}
	if _, ok := csp["script-src"]; ok {
		t.Errorf("logo: CSP allows scripts: %v", csp["script-src"])
	}
	if !only(csp["frame-ancestors"], "'none'") {
		t.Logf("note: the logo's CSP (handlers/pages.go brandLogo) replaces the global one and drops frame-ancestors 'none' and base-uri 'none' (X-Frame-Options: DENY still applies)")
	}
}

// checkAttachmentHeaders: a dispute's file is a download, never a page:
// Content-Disposition attachment with a plain ASCII name, its checked
// media type, nosniff, no caching, and a CSP that runs nothing even when
// the file is opened directly.
func checkAttachmentHeaders(t *testing.T, label string, res *tresp, mediaType string) {
	t.Helper()
	if ct := res.Header.Get("Content-Type"); ct != mediaType {
		t.Errorf("%s: Content-Type = %q, want %q", label, ct, mediaType)
	}
	cd := res.Header.Get("Content-Disposition")
	if !strings.HasPrefix(cd, "attachment;") {
		t.Errorf("%s: Content-Disposition = %q, want attachment", label, cd)
	}
	if m := attachmentNameRE.FindStringSubmatch(cd); m == nil {
		t.Errorf("%s: Content-Disposition %q has no plain ASCII filename", label, cd)
	}
	for _, c := range cd {
		if c < 0x20 || c > 0x7e {
			t.Errorf("%s: Content-Disposition %q is not printable ASCII", label, cd)
			break
		}
	}
	if res.Header.Get("X-Content-Type-Options") != "nosniff" || res.Header.Get("Referrer-Policy") != "no-referrer" ||
		res.Header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("%s: nosniff / no-referrer / X-Frame-Options missing", label)
	}
	if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") || !strings.Contains(cc, "private") {
		t.Errorf("%s: Cache-Control = %q, want private, no-store", label, cc)
	}
	if n := len(res.Header.Values("Content-Security-Policy")); n != 1 {
		t.Errorf("%s: %d CSP headers, want 1", label, n)
	}
	csp := cspDirectives(res.Header.Get("Content-Security-Policy"))
	for dir, want := range map[string]string{"default-src": "'none'", "frame-ancestors": "'none'", "base-uri": "'none'"} {
		if !only(csp[dir], want) {
			t.Errorf("%s: %s = %v, want %s", label, dir, csp[dir], want)
		}
	}
	if v, ok := csp["sandbox"]; !ok || len(v) != 0 {
		t.Errorf("%s: sandbox = %v (present %v), want a sandbox allowing nothing", label, v, ok)
	}
	if _, ok := csp["script-src"]; ok {
		t.Errorf("%s: CSP allows scripts: %v", label, csp["script-src"])
	}
	if strings.HasPrefix(strings.TrimSpace(res.body), "<") {
		t.Errorf("%s: the body looks like markup", label)
	}
}

// attachmentNameRE is a Content-Disposition's plain filename.
var attachmentNameRE = regexp.MustCompile(`filename="([A-Za-z0-9._-]+)"`)

// checkOutboxHTMLHeaders: an email's HTML (someone else's markup) is
// served to staff under a CSP that runs and loads nothing, in a sandbox.
func checkOutboxHTMLHeaders(t *testing.T, res *tresp) {
	t.Helper()
	if ct := res.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("outbox HTML: Content-Type = %q", ct)
	}
	if res.Header.Get("X-Content-Type-Options") != "nosniff" || res.Header.Get("Referrer-Policy") != "no-referrer" ||
		res.Header.Get("X-Frame-Options") != "DENY" {
		t.Error("outbox HTML: nosniff / no-referrer / X-Frame-Options missing")
	}
	if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("outbox HTML: Cache-Control = %q", cc)
	}
	if n := len(res.Header.Values("Content-Security-Policy")); n != 1 {
		t.Errorf("outbox HTML: %d CSP headers, want 1", n)
	}
	csp := cspDirectives(res.Header.Get("Content-Security-Policy"))
	for dir, want := range map[string]string{"default-src": "'none'", "base-uri": "'none'", "frame-ancestors": "'none'",
		"form-action": "'none'", "img-src": "data:"} {
		if !only(csp[dir], want) {
			t.Errorf("outbox HTML: %s = %v, want %s", dir, csp[dir], want)
		}
	}
	if v, ok := csp["sandbox"]; !ok || len(v) != 0 {
		t.Errorf("outbox HTML: sandbox = %v (present %v), want a sandbox allowing nothing", v, ok)
	}
	for _, dir := range []string{"script-src", "connect-src", "frame-src", "object-src"} {
		if _, ok := csp[dir]; ok {
			t.Errorf("outbox HTML: CSP has %s %v (default-src 'none' must govern)", dir, csp[dir])
		}
	}
}

// Every string from the creditor's systems renders inert: debtor and
// creditor names, customer numbers, descriptions, contacts.
func TestHTMLInjection(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	const (
		p1 = `<script>alert(1)</script>`
		p2 = `"><img src=x onerror=alert(1)>`
		p3 = `<scr<script>ipt>alert(1)</scr</script>ipt>`
	)
	cr := h.createCreditor(store.NewCreditor{Creditor: ar.Creditor{
		Slug: "xss-energie", Name: p2 + " Energie", SupportPhone: "+49 30 " + p1, SupportEmail: `x@example.org"><script>alert(1)</script>`,
		SupportHours: p3, LegalFooter: p1, PrimaryColor: "#112233", AccentColor: "#445566",
		DefaultLanguage: "de", Timezone: "Europe/Berlin", Currency: "EUR", StepUp: ar.StepUpNone, StepUpKnowledge: ar.KnowPostcode,
	}})
	d := h.createDebtor(&ar.Debtor{CreditorID: cr.ID, CustomerNumber: `<b onmouseover=alert(1)>K-1</b>`, Name: p1,
		Email: "x@example.org", Postcode: "12345"})
	h.addInvoice(cr, d, "X-1", p2, "2026-11-01", "2026-12-01", []lineSpec{{p1, 1000, 1000, 1900}, {p3, 1000, 500, 700}}, 0)
	h.addInvoice(cr, d, "X-2", p3, "2026-11-01", "2026-12-01", []lineSpec{{p2, 1000, 1000, 1900}}, 0)
	h.addInvoice(cr, d, "X-3", p1, "2026-11-01", "2026-12-01", []lineSpec{{"ok", 1000, 1000, 1900}}, 0)

	tok, _ := h.link(d)
	c := h.client()
	pages := map[string]*tresp{"interstitial": c.get("/l/" + tok)}
	c.enter(tok)
	for _, p := range []string{"/account", "/account/invoices/X-1", "/account/invoices/X-2", "/account/invoices/X-3",
		"/account/help", "/account/pay", "/account/invoices/nope", "/signed-out?c=xss-energie"} {
		pages[p] = c.get(p)
	}
	for name, res := range pages {
		if res.StatusCode >= 500 {
			t.Errorf("%s = %d", name, res.StatusCode)
			continue
		}
		for _, raw := range []string{p1, p2, p3, "<script", "<img", "<scr<", "<b onmouseover"} {
			if strings.Contains(strings.ToLower(res.body), strings.ToLower(raw)) {
				t.Errorf("%s: raw %q in the output", name, raw)
			}
		}
		doc := res.html(t)
		if n := len(doc.tag("script")); n != 0 {
			t.Errorf("%s: %d <script> elements", name, n)
		}
		for _, img := range doc.tag("img") {
			t.Errorf("%s: unexpected <img> %v", name, img.Attr)
		}
		checkHeaders(t, name, res)
	}
	// The payloads are shown as text, not dropped.
	if !strings.Contains(pages["/account"].html(t).testIDText("summary"), p1) {
		t.Error("the debtor's name is not shown as text")
	}
	if !strings.Contains(pages["/account/invoices/X-1"].html(t).testIDText("lines"), p3) {
		t.Error("the line description is not shown as text")
	}
	if !strings.Contains(pages["/account/invoices/X-2"].html(t).testIDText("invoice-detail"), p3) {
		t.Error("the invoice description is not shown as text")
	}
	if !strings.Contains(pages["interstitial"].html(t).h1(), p2+" Energie") {
		t.Error("the creditor's name is not shown as text")
	}
	for _, a := range pages["/account/help"].html(t).tag("a") {
		href, _ := attr(a, "href")
		if strings.HasPrefix(href, "tel:") && strings.ContainsAny(href, "<>\" ") {
			t.Errorf("tel link %q carries markup", href)
		}
	}
}

// logRecords parses the JSON log.
func logRecords(t *testing.T, logs string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		if line == "" {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		out = append(out, rec)
	}
	return out
}

// Raw link tokens never reach the log, whatever happens to the link; the
// access log shows /l/ paths redacted.
func TestLogsHaveNoTokens(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var tokens []string
	issue := func(d *ar.Debtor) string {
		tok, _ := h.link(d)
		tokens = append(tokens, tok)
		return tok
	}
	unknown, _ := ar.NewToken()
	tokens = append(tokens, unknown)

	// The full flow.
	tok := issue(h.alice)
	c := h.client()
	c.get("/l/" + tok)
	c.get("/l/" + tok + "?lang=en")
	c.post("/l/"+tok, nil)
	c.post("/account/verify", url.Values{"answer": {"99999"}, "next": {"/account/invoices/R-1001"}})
	c.post("/account/verify", url.Values{"answer": {alicePost}, "next": {"/account/invoices/R-1001"}})
	c.get("/account/invoices/R-1001")
	c.get("/account/invoices/R-2001")
	c.post("/logout", nil)
	// Links that fail.
	h.client().get("/l/" + unknown)
	h.client().post("/l/"+unknown, nil)
	h.client().get("/l/" + tok + "/")
	crossTok := issue(h.bob)
	h.client().post("/l/"+crossTok, nil, "Sec-Fetch-Site", "cross-site", "Origin", "http://evil.example")
	revTok := issue(h.bob)
	if _, err := h.st.RevokeAccessLinks(h.ctx, h.a.ID, h.bob.ID, 0, h.clock.Now()); err != nil {
		t.Fatal(err)
	}
	h.client().get("/l/" + revTok)
	h.client().post("/l/"+revTok, nil)
	// A link opened too often.
	limTok := issue(h.carol)
	lc := h.client()
	for i := 0; i < 31; i++ {
		lc.post("/l/"+limTok, nil)
	}

	logs := h.logs.String()
	for _, tok := range tokens {
		if strings.Contains(logs, tok) {
			t.Errorf("the log contains the raw token %s…", tok[:6])
		}
	}
	redacted := 0
	for _, rec := range logRecords(t, logs) {
		if rec["msg"] != "request" {
			continue
		}
		p, _ := rec["path"].(string)
		if strings.HasPrefix(p, "/l/") {
			if p != "/l/[redacted]" {
				t.Errorf("access log path %q is not redacted", p)
			}
			redacted++
		}
	}
	if redacted < 40 {
		t.Errorf("%d redacted access log lines for /l/ requests, want ≥ 40", redacted)
	}
	if !strings.Contains(logs, `"cross-origin request refused"`) || !strings.Contains(logs, `"debtor entered"`) {
		t.Error("entries and refusals are not logged")
	}

	// A link mangled by a mail client or a base URL with a trailing slash
	// ("https://pay.example//l/TOKEN") reaches the server unclean; the mux
	// redirects it to /l/TOKEN.
	t.Run("unclean path", func(t *testing.T) {
		tok := issue(h.alice)
		if res := h.client().get("//l/" + tok); res.StatusCode/100 != 3 {
			t.Errorf("GET //l/{token} = %d, want a redirect to the clean path", res.StatusCode)
		}
		if strings.Contains(h.logs.String(), tok) {
			t.Fatal("regression: handlers/middleware.go logPath only redacts paths that start with \"/l/\"; the access " +
				"log writes r.URL.Path before ServeMux cleans it, so \"//l/TOKEN\" (a base URL with a trailing " +
				"slash, as portal.LinkURL would build) or \"/x/../l/TOKEN\" logs the raw token. Fix: redact " +
				"on path.Clean(p) (and any segment after an \"/l/\"), e.g. if c := path.Clean(\"/\"+p); " +
				"strings.HasPrefix(c, \"/l/\") || strings.Contains(p, \"/l/\").")
		}
	})
}
