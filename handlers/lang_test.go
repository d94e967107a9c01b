package handlers

import (
	"net/http"
	"testing"
)

// The page language: an explicit choice, then the debtor's stored
// language, then the browser's, then the creditor's default.
func TestLanguage(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	de, en := norm(h.de().T("page.account.total_due")), norm(h.en().T("page.account.total_due"))
	if de == en {
		t.Fatal("the catalog has the same text in both languages")
	}
	check := func(t *testing.T, label string, res *tresp, lang string) {
		t.Helper()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", label, res.StatusCode)
		}
		doc := res.html(t)
		if doc.lang() != lang {
			t.Errorf("%s: <html lang=%q>, want %q", label, doc.lang(), lang)
		}
		want := map[string]string{"de": de, "en": en}[lang]
		if !contains(doc.testIDText("total-due"), want) {
			t.Errorf("%s: total-due %q is not in %s", label, doc.testIDText("total-due"), lang)
		}
		money := h.cat.Locale(lang).Money(h.openMinor(h.debtorByID(h.session(res).DebtorID)), "EUR")
		if !contains(doc.testIDText("total-due"), money) {
			t.Errorf("%s: total-due %q does not show %q", label, doc.testIDText("total-due"), money)
		}
	}

	t.Run("creditor default", func(t *testing.T) {
		c := h.entered(h.alice) // no language on file, no Accept-Language
		check(t, "alice", c.get("/account"), "de")
		// Creditor B's default is English.
		carol := h.entered(h.carol)
		res := carol.get("/account")
		if res.html(t).lang() != "en" || !contains(res.html(t).testIDText("total-due"), en) {
			t.Errorf("carol at an English creditor: lang %q", res.html(t).lang())
		}
	})
	t.Run("Accept-Language", func(t *testing.T) {
		c := h.entered(h.alice)
		check(t, "en", c.get("/account", "Accept-Language", "en"), "en")
		check(t, "en-GB", c.get("/account", "Accept-Language", "en-GB,en;q=0.9"), "en")
		check(t, "fr,en", c.get("/account", "Accept-Language", "fr-FR,fr;q=0.9,en;q=0.5"), "en")
		check(t, "de", c.get("/account", "Accept-Language", "de-DE"), "de")
		check(t, "unsupported", c.get("/account", "Accept-Language", "ja"), "de")
	})
	t.Run("stored language wins over the browser", func(t *testing.T) {
		c := h.entered(h.bob) // bob's stored language is en
		check(t, "bob", c.get("/account", "Accept-Language", "de"), "en")
		check(t, "bob, no header", c.get("/account"), "en")
	})
	t.Run("explicit choice", func(t *testing.T) {
		c := h.entered(h.alice)
		res := c.get("/account?lang=en")
		check(t, "?lang=en", res, "en")
		var lc *http.Cookie
		for _, ck := range res.Cookies() {
			if ck.Name == langCookie {
				lc = ck
			}
		}
		if lc == nil || lc.Value != "en" || lc.Path != "/" || !lc.HttpOnly || lc.SameSite != http.SameSiteLaxMode {
			t.Fatalf("language cookie = %+v", lc)
		}
		check(t, "next page", c.get("/account"), "en")
		check(t, "next page, German browser", c.get("/account", "Accept-Language", "de"), "en")
		// It holds on other pages and across a new entry.
		if doc := c.get("/account/help").html(t); doc.lang() != "en" {
			t.Errorf("help page lang = %q", doc.lang())
		}
		// Switch back; an unsupported ?lang is ignored.
		check(t, "?lang=de", c.get("/account?lang=de"), "de")
		check(t, "?lang=xx", c.get("/account?lang=xx"), "de")
		// The switcher beats a stored preference too.
		b := h.entered(h.bob)
		check(t, "bob ?lang=de", b.get("/account?lang=de"), "de")
		check(t, "bob after switching", b.get("/account"), "de")
	})
	t.Run("switcher links", func(t *testing.T) {
		c := h.entered(h.alice)
		doc := c.get("/account").html(t)
		found := false
		for _, a := range doc.tag("a") {
			if href, _ := attr(a, "href"); href == "/account?lang=en" {
				found = true
			}
		}
		if !found {
			t.Error("no switcher link to /account?lang=en")
		}
	})
	t.Run("error pages", func(t *testing.T) {
		res := h.client().get("/account", "Accept-Language", "en")
		if res.html(t).lang() != "en" || res.html(t).h1() != norm(h.en().T("page.session.title")) {
			t.Errorf("401 in English: lang %q, title %q", res.html(t).lang(), res.html(t).h1())
		}
		res = h.client().get("/l/garbage")
		if res.html(t).lang() != "de" {
			t.Errorf("404 without any hint: lang %q, want de", res.html(t).lang())
		}
	})
}

// session decodes the session that made a response's request.
func (h *harness) session(res *tresp) *debtorSession {
	h.t.Helper()
	r, _ := http.NewRequest(http.MethodGet, "/", nil)
	for _, ck := range res.Request.Cookies() {
		r.AddCookie(ck)
	}
	ds, _ := h.srv.loadSession(r)
	if ds == nil {
		h.t.Fatal("the request had no session")
	}
	return ds
}
