package handlers

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// Debtor pages travel gzipped to browsers that accept it, each under
// 60 KB (the creditor's logo apart, which is its own request), and name
// no other origin; PDFs and the pre-compressed static files are left as
// they are; a client without gzip gets the page plain.
func TestPageWeight(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.steppedUp(h.alice)
	nonce := regexp.MustCompile(`nonce="[^"]*"`)
	for _, path := range []string{"/account", "/account/pay", "/account/help", "/account/invoices/R-1001",
		"/account/statement", "/account/history", "/account/more-time", "/account/plans", "/account/promise",
		"/account/invoices/R-1001/dispute", "/account/disputes", "/account/reminders", "/account/credit-request"} {
		plain := c.get(path)
		zipped := c.get(path, "Accept-Encoding", "gzip, deflate, br")
		if zipped.StatusCode != http.StatusOK || zipped.Header.Get("Content-Encoding") != "gzip" ||
			!strings.Contains(zipped.Header.Get("Vary"), "Accept-Encoding") {
			t.Errorf("%s: %d, Content-Encoding %q, Vary %q", path, zipped.StatusCode, zipped.Header.Get("Content-Encoding"), zipped.Header.Get("Vary"))
			continue
		}
		zr, err := gzip.NewReader(strings.NewReader(zipped.body))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		page, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if plain.Header.Get("Content-Encoding") != "" || nonce.ReplaceAllString(string(page), "") != nonce.ReplaceAllString(plain.body, "") {
			t.Errorf("%s: the gzipped page differs from the plain one", path)
		}
		// The page and what it loads from /static (stylesheets, scripts,
		// icons), as transferred.
		n := len(zipped.body)
		for _, m := range regexp.MustCompile(`(?:src|href)="(/static/[^"]+)"`).FindAllStringSubmatch(string(page), -1) {
			if strings.Contains(m[1], "/logo") {
				continue
			}
			asset := c.get(m[1], "Accept-Encoding", "gzip")
			if asset.StatusCode != http.StatusOK {
				t.Errorf("%s: %s = %d", path, m[1], asset.StatusCode)
			}
			n += len(asset.body)
		}
		if n > 60*1024 {
			t.Errorf("%s: %d bytes transferred with its assets, want under 60 KB", path, n)
		} else {
			t.Logf("%s: %d bytes, %d gzipped with its assets", path, len(page), n)
		}
		for _, m := range regexp.MustCompile(`(?:src|href|action)="(https?:)?//[^"]*"`).FindAllString(string(page), -1) {
			t.Errorf("%s refers to another origin: %s", path, m)
		}
	}
	pdf := c.get("/account/invoices/R-1001/pdf", "Accept-Encoding", "gzip")
	if pdf.StatusCode != http.StatusOK || pdf.Header.Get("Content-Encoding") != "" || !bytes.HasPrefix([]byte(pdf.body), []byte("%PDF")) {
		t.Errorf("PDF: %d, Content-Encoding %q", pdf.StatusCode, pdf.Header.Get("Content-Encoding"))
	}
	if !acceptsGzip("br, gzip;q=0.8") || acceptsGzip("gzip;q=0") || acceptsGzip("deflate") || acceptsGzip("") {
		t.Error("acceptsGzip misreads Accept-Encoding")
	}
}
