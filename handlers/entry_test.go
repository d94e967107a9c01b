package handlers

import (
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/settle/settle/internal/ar"
)

func TestSignedEntry(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	secret := []byte("0123456789abcdef0123456789abcdef")
	if err := h.st.SetEntrySecret(h.ctx, h.a.ID, secret); err != nil {
		t.Fatal(err)
	}
	entryURL := func(slug, customer string, exp time.Time, nonce string, key []byte) string {
		e := exp.Unix()
		q := url.Values{"customer": {customer}, "expires": {strconv.FormatInt(e, 10)}, "nonce": {nonce},
			"signature": {ar.EntrySignature(key, slug, customer, e, nonce)}}
		return "/e/" + slug + "?" + q.Encode()
	}
	now := h.clock.Now()
	good := entryURL(slugA, sharedCustNo, now.Add(4*time.Minute), "nonce-aaaaaaaaaaaaaaaa", secret)

	c := h.client()
	res := c.get(good)
	if res.StatusCode != 303 || res.Header.Get("Location") != "/account" {
		t.Fatalf("entry: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	// In, with the step-up satisfied: the invoice opens straight away.
	if page := c.get("/account/invoices/R-1001"); page.StatusCode != 200 {
		t.Errorf("invoice after entry: %d", page.StatusCode)
	}
	if ds := c.session(); ds == nil || !ds.SteppedUp || ds.DebtorID != h.alice.ID {
		t.Errorf("session %+v", ds)
	}
	// Single use.
	if res := h.client().get(good); res.StatusCode != 410 || res.html(t).h1() != norm(h.de().T("page.link.gone.title")) {
		t.Errorf("replay: %d", res.StatusCode)
	}
	invalidTitle := norm(h.de().T("page.link.invalid.title"))
	for name, u := range map[string]string{
		"expired":          entryURL(slugA, sharedCustNo, now.Add(-time.Second), "nonce-bbbbbbbbbbbbbbbb", secret),
		"too far ahead":    entryURL(slugA, sharedCustNo, now.Add(time.Hour), "nonce-cccccccccccccccc", secret),
		"wrong secret":     entryURL(slugA, sharedCustNo, now.Add(time.Minute), "nonce-dddddddddddddddd", []byte("another secret of 32 bytes......")),
		"other creditor":   entryURL(slugB, sharedCustNo, now.Add(time.Minute), "nonce-eeeeeeeeeeeeeeee", secret),
		"unknown customer": entryURL(slugA, "K-999", now.Add(time.Minute), "nonce-ffffffffffffffff", secret),
		"short nonce":      entryURL(slugA, sharedCustNo, now.Add(time.Minute), "abc", secret),
	} {
		res := h.client().get(u)
		if res.StatusCode == 303 || res.sessionSet() {
			t.Errorf("%s: let in (%d)", name, res.StatusCode)
		}
		if name != "expired" && res.html(t).h1() != invalidTitle {
			t.Errorf("%s: %d %q", name, res.StatusCode, res.html(t).h1())
		}
	}
	// Tampering with a signed parameter breaks the signature.
	tampered, _ := url.Parse(entryURL(slugA, sharedCustNo, now.Add(time.Minute), "nonce-gggggggggggggggg", secret))
	q := tampered.Query()
	q.Set("customer", h.bob.CustomerNumber)
	if res := h.client().get(tampered.Path + "?" + q.Encode()); res.StatusCode != 404 {
		t.Errorf("tampered customer: %d", res.StatusCode)
	}
}

// sessionSet reports whether the response sets a session cookie.
func (r *tresp) sessionSet() bool {
	for _, c := range r.Cookies() {
		if c.Name == "settle_session" && c.Value != "" && c.MaxAge >= 0 {
			return true
		}
	}
	return false
}
