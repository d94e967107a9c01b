package handlers

import (
	"net/http"
	"testing"
	"time"
)

// Debtor sessions end after 30 minutes idle and 12 hours in all.
func TestSessionTimeouts(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	expiredBody := h.de().T("page.session.expired.body")

	t.Run("idle", func(t *testing.T) {
		c := h.steppedUp(h.alice)
		if res := c.get("/account"); res.StatusCode != http.StatusOK {
			t.Fatalf("GET /account = %d", res.StatusCode)
		}
		h.clock.Advance(29 * time.Minute)
		if res := c.get("/account"); res.StatusCode != http.StatusOK {
			t.Fatalf("after 29 idle minutes /account = %d, want 200", res.StatusCode)
		}
		h.clock.Advance(31 * time.Minute)
		res := c.get("/account")
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("after 31 idle minutes /account = %d, want 401", res.StatusCode)
		}
		if !contains(res.html(t).testIDText("message"), expiredBody) {
			t.Errorf("the page does not say the session ended: %q", res.html(t).testIDText("message"))
		}
		if contains(res.body, aliceName) || contains(res.html(t).text(), h.de().Money(h.openMinor(h.alice), "EUR")) {
			t.Error("the expired page shows account data")
		}
		cleared := false
		for _, ck := range res.Cookies() {
			if ck.Name == h.srv.cookieName && ck.MaxAge < 0 {
				cleared = true
			}
		}
		if !cleared || c.sessionCookie() != nil {
			t.Error("the expired session cookie was not cleared")
		}
		// Now it is simply no session.
		res = c.get("/account/invoices/R-1001")
		if res.StatusCode != http.StatusUnauthorized || !contains(res.html(t).testIDText("message"), h.de().T("page.session.none.body")) {
			t.Errorf("after clearing, invoice = %d", res.StatusCode)
		}
	})

	t.Run("absolute", func(t *testing.T) {
		c := h.steppedUp(h.alice)
		stale := c.sessionCookie()
		start := h.clock.Now()
		for h.clock.Now().Sub(start) < 12*time.Hour-20*time.Minute {
			h.clock.Advance(20 * time.Minute)
			if res := c.get("/account/invoices/R-1001"); res.StatusCode != http.StatusOK {
				t.Fatalf("active after %s: invoice = %d, want 200", h.clock.Now().Sub(start), res.StatusCode)
			}
		}
		// The cookie written at entry alone died of idleness long ago.
		old := h.client()
		old.setCookie(stale)
		if res := old.get("/account"); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("a cookie idle for hours = %d, want 401", res.StatusCode)
		}
		h.clock.Advance(21 * time.Minute) // 12h01m after entry, 21 minutes idle
		res := c.get("/account")
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("12h01m after entry /account = %d, want 401", res.StatusCode)
		}
		if !contains(res.html(t).testIDText("message"), expiredBody) {
			t.Error("the page does not say the session ended")
		}
		if c.sessionCookie() != nil {
			t.Error("the expired session cookie was not cleared")
		}
	})
}
