package handlers

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/settle/settle/internal/ar"
)

// A bare GET of a link (what mail scanners do) shows the interstitial in
// the creditor's brand and changes nothing: no session, no use counted,
// nothing on the timeline.
func TestLinkShowCreatesNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	tok, link := h.link(h.alice)
	before := h.interactions(h.alice, ar.KindLinkOpened)
	c := h.client()

	// A mail client opening the link is a cross-site navigation: allowed.
	res := c.get("/l/"+tok, "Sec-Fetch-Site", "cross-site", "Sec-Fetch-Mode", "navigate")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /l/{token} = %d, want 200", res.StatusCode)
	}
	doc := res.html(t)
	if len(doc.testID("link-interstitial")) != 1 || len(doc.testID("continue")) != 1 {
		t.Fatal("the interstitial with its Continue button is missing")
	}
	if want := h.de().T("page.link.heading", "Creditor", nameA); doc.h1() != norm(want) {
		t.Errorf("heading = %q, want %q", doc.h1(), want)
	}
	if !contains(doc.text(), nameA) {
		t.Error("the page does not show the creditor's name")
	}
	// The form posts back to the link itself.
	forms := doc.tag("form")
	var action string
	for _, f := range forms {
		if a, _ := attr(f, "action"); strings.HasPrefix(a, "/l/") {
			action = a
		}
	}
	if action != "/l/"+tok {
		t.Errorf("form action = %q, want the link", action)
	}
	// Nothing about the debtor before they continue.
	for _, secret := range []string{aliceName, aliceEmail, "R-1001"} {
		if strings.Contains(res.body, secret) {
			t.Errorf("interstitial shows %q", secret)
		}
	}
	for _, ck := range res.Cookies() {
		if ck.Name == h.srv.cookieName {
			t.Errorf("GET /l/{token} set the session cookie")
		}
	}
	if c.sessionCookie() != nil {
		t.Error("the client has a session after a bare GET")
	}
	if n := h.queryInt(`SELECT use_count FROM access_links WHERE id = $1`, link.ID); n != 0 {
		t.Errorf("use_count = %d after GET, want 0", n)
	}
	if n := h.queryInt(`SELECT count(*) FROM access_links WHERE id = $1 AND last_used_at IS NOT NULL`, link.ID); n != 0 {
		t.Error("last_used_at set by a GET")
	}
	if n := h.interactions(h.alice, ar.KindLinkOpened); n != before {
		t.Errorf("link.opened interactions: %d after GET, want %d", n, before)
	}
	// And a second GET (the real person after the scanner) still works.
	if res := c.get("/l/" + tok); res.StatusCode != http.StatusOK {
		t.Errorf("second GET = %d, want 200", res.StatusCode)
	}
}

// POST /l/{token} starts a new session and sends the debtor to /account,
// a URL without the token.
func TestLinkEnter(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	tok, link := h.link(h.alice)
	c := h.client()

	enter := func() (*tresp, *http.Cookie) {
		t.Helper()
		res := c.post("/l/"+tok, nil)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST /l/{token} = %d, want 303", res.StatusCode)
		}
		if loc := res.Header.Get("Location"); loc != "/account" {
			t.Fatalf("Location = %q, want exactly /account", loc)
		}
		var sc *http.Cookie
		for _, ck := range res.Cookies() {
			if ck.Name == h.srv.cookieName {
				sc = ck
			}
		}
		if sc == nil {
			t.Fatal("no session cookie set")
		}
		if !sc.HttpOnly || sc.SameSite != http.SameSiteLaxMode || sc.Path != "/" || sc.Domain != "" {
			t.Errorf("session cookie: HttpOnly=%v SameSite=%v Path=%q Domain=%q; want HttpOnly, Lax, /, host-only",
				sc.HttpOnly, sc.SameSite, sc.Path, sc.Domain)
		}
		if sc.MaxAge <= 0 || time.Duration(sc.MaxAge)*time.Second > debtorAbsoluteTimeout {
			t.Errorf("session cookie Max-Age = %d, want (0, 12h]", sc.MaxAge)
		}
		if strings.Contains(sc.Value, tok) {
			t.Error("the session cookie carries the token")
		}
		return res, sc
	}

	_, first := enter()
	ds1 := c.session()
	if ds1 == nil || ds1.DebtorID != h.alice.ID || ds1.CreditorID != h.a.ID || ds1.LinkID != link.ID || ds1.SteppedUp {
		t.Fatalf("session after entry = %+v, want alice at A via the link, not stepped up", ds1)
	}
	_, second := enter()
	ds2 := c.session()
	if first.Value == second.Value {
		t.Error("entering twice gave the same cookie value")
	}
	if ds2 == nil || ds2.ID == ds1.ID {
		t.Error("entering twice kept the session id; want a fresh session")
	}

	if n := h.interactions(h.alice, ar.KindLinkOpened); n != 2 {
		t.Errorf("link.opened interactions = %d, want 2", n)
	}
	if n := h.queryInt(`SELECT use_count FROM access_links WHERE id = $1`, link.ID); n != 2 {
		t.Errorf("use_count = %d, want 2", n)
	}

	acc := c.get("/account")
	if acc.StatusCode != http.StatusOK {
		t.Fatalf("GET /account = %d", acc.StatusCode)
	}
	if strings.Contains(acc.body, tok) {
		t.Error("/account contains the token")
	}
	if acc.Request.URL.String() != testBase+"/account" {
		t.Errorf("account URL = %s", acc.Request.URL)
	}

	// Entering through another debtor's link in the same browser replaces
	// the session: no mix of two debtors.
	bobTok, _ := h.link(h.bob)
	c.enter(bobTok)
	if ds := c.session(); ds == nil || ds.DebtorID != h.bob.ID || ds.ID == ds2.ID {
		t.Fatalf("after entering bob's link the session is %+v", ds)
	}
	acc = c.get("/account", "Accept-Language", "de")
	if !contains(acc.html(t).text(), "K-200") || contains(acc.body, sharedCustNo) {
		t.Error("after entering bob's link /account does not show bob's customer number only")
	}

	t.Run("secure", func(t *testing.T) {
		srv := h.newServer(h.st, h.keys, true)
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "https://settle.test/l/"+tok, nil)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		srv.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("POST = %d", rec.Code)
		}
		var sc *http.Cookie
		for _, ck := range rec.Result().Cookies() {
			if ck.Name == "__Host-settle_session" {
				sc = ck
			}
		}
		if sc == nil || !sc.Secure || !sc.HttpOnly || sc.Path != "/" || sc.Domain != "" || sc.SameSite != http.SameSiteLaxMode {
			t.Errorf("secure session cookie = %+v, want __Host- prefix, Secure, HttpOnly, Path=/, no Domain, Lax", sc)
		}
		if hsts := rec.Header().Get("Strict-Transport-Security"); !strings.Contains(hsts, "max-age=") {
			t.Errorf("no HSTS on HTTPS: %q", hsts)
		}
	})
}

// Links that do not work say so in the visitor's language; unknown tokens
// reveal nothing, real but dead links wear their creditor's brand.
func TestLinkInvalid(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	unknown, _ := ar.NewToken()
	invalidTitle := norm(h.de().T("page.link.invalid.title"))

	var pages []string
	for name, path := range map[string]string{
		"garbage":          "/l/garbage",
		"garbage-long":     "/l/" + strings.Repeat("x", 43) + "!",
		"unknown-shaped":   "/l/" + unknown,
		"unknown-shaped-2": "/l/" + strings.ToUpper(unknown[:1]) + unknown[1:],
	} {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			c := h.client()
			res := c.do(method, path, nil)
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("%s %s (%s) = %d, want 404", method, path, name, res.StatusCode)
				continue
			}
			doc := res.html(t)
			if doc.h1() != invalidTitle {
				t.Errorf("%s %s: title %q, want %q", method, name, doc.h1(), invalidTitle)
			}
			for _, cn := range []string{nameA, nameB} {
				if strings.Contains(res.body, cn) {
					t.Errorf("%s %s: the page names creditor %q", method, name, cn)
				}
			}
			if c.sessionCookie() != nil {
				t.Errorf("%s %s: a session cookie was set", method, name)
			}
			if method == http.MethodGet {
				pages = append(pages, doc.testIDText("message"))
			}
		}
	}
	for _, p := range pages[1:] {
		if p != pages[0] {
			t.Errorf("invalid links do not all look the same:\n%q\n%q", pages[0], p)
		}
	}

	t.Run("expired", func(t *testing.T) {
		tok, link := h.link(h.bob)
		h.clock.Advance(link.ExpiresAt.Sub(h.clock.Now()) + time.Second)
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			c := h.client()
			res := c.do(method, "/l/"+tok, nil)
			if res.StatusCode != http.StatusGone {
				t.Fatalf("%s expired link = %d, want 410", method, res.StatusCode)
			}
			doc := res.html(t)
			if !contains(doc.text(), nameA) {
				t.Errorf("%s expired link: page does not show the creditor's brand", method)
			}
			// The debtor is not known on a dead link: the creditor's default
			// language (German) applies.
			if want := norm(h.de().T("page.link.gone.title")); doc.h1() != want {
				t.Errorf("%s expired link: title %q, want %q", method, doc.h1(), want)
			}
			if !contains(doc.testIDText("message"), h.de().T("error.link.expired")) {
				t.Errorf("%s expired link: message %q does not explain expiry", method, doc.testIDText("message"))
			}
			if c.sessionCookie() != nil {
				t.Errorf("%s expired link set a session", method)
			}
		}
		if n := h.queryInt(`SELECT use_count FROM access_links WHERE id = $1`, link.ID); n != 0 {
			t.Errorf("expired link counted %d uses", n)
		}
	})

	t.Run("revoked", func(t *testing.T) {
		tok, link := h.link(h.alice)
		if n, err := h.st.RevokeAccessLinks(h.ctx, h.a.ID, h.alice.ID, 0, h.clock.Now()); err != nil || n == 0 {
			t.Fatalf("RevokeAccessLinks = %d, %v", n, err)
		}
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			c := h.client()
			res := c.do(method, "/l/"+tok, nil)
			if res.StatusCode != http.StatusGone {
				t.Fatalf("%s revoked link = %d, want 410", method, res.StatusCode)
			}
			doc := res.html(t)
			if doc.h1() != norm(h.de().T("page.link.gone.title")) {
				t.Errorf("%s revoked link: title %q", method, doc.h1())
			}
			if !contains(doc.testIDText("message"), h.de().T("error.link.revoked")) {
				t.Errorf("%s revoked link: message %q", method, doc.testIDText("message"))
			}
			brand := doc.all(func(n *htmlNode) bool { v, _ := attr(n, "class"); return v == "brand" })
			if len(brand) == 0 || !contains(textOf(brand[0])+altOf(brand[0]), nameA) {
				t.Errorf("%s revoked link: header does not wear the creditor's brand", method)
			}
			if !contains(doc.text(), "hilfe@stadtwerke.example") {
				t.Errorf("%s revoked link: the creditor's contacts are missing", method)
			}
			if c.sessionCookie() != nil {
				t.Errorf("%s revoked link set a session", method)
			}
		}
		if n := h.queryInt(`SELECT use_count FROM access_links WHERE id = $1`, link.ID); n != 0 {
			t.Errorf("revoked link counted %d uses", n)
		}
	})
}

// Entering through one link is limited (30 per 10 minutes), and so is
// opening links from one address (60 a minute).
func TestLinkRateLimits(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	tok, _ := h.link(h.alice)
	c := h.client()
	for i := 1; i <= 30; i++ {
		if res := c.post("/l/"+tok, nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("entry %d = %d, want 303", i, res.StatusCode)
		}
	}
	other := h.client()
	res := other.post("/l/"+tok, nil)
	if res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("entry 31 = %d, want 429", res.StatusCode)
	}
	if other.sessionCookie() != nil {
		t.Error("a refused entry set a session")
	}
	if want := norm(h.de().T("page.error.too_many.title")); res.html(t).h1() != want {
		t.Errorf("429 title = %q, want %q", res.html(t).h1(), want)
	}
	// The window passes.
	h.clock.Advance(10 * time.Minute)
	if res := other.post("/l/"+tok, nil); res.StatusCode != http.StatusSeeOther {
		t.Errorf("entry after the window = %d, want 303", res.StatusCode)
	}

	// 60 opens a minute from one address.
	h.clock.Advance(time.Minute)
	scanner := h.client()
	for i := 1; i <= 60; i++ {
		if res := scanner.get("/l/garbage"); res.StatusCode != http.StatusNotFound {
			t.Fatalf("open %d = %d, want 404", i, res.StatusCode)
		}
	}
	if res := scanner.get("/l/" + tok); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("open 61 from one address = %d, want 429", res.StatusCode)
	}
	if res := h.client().get("/l/" + tok); res.StatusCode != http.StatusOK {
		t.Errorf("another address = %d, want 200", res.StatusCode)
	}
}
