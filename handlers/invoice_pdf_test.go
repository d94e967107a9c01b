package handlers

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"
)

func TestInvoicePDF(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	if _, err := h.db.Exec(`UPDATE creditors SET bank_iban = 'DE89370400440532013000', bank_holder = 'Stadtwerke GmbH' WHERE id = $1`, h.a.ID); err != nil {
		t.Fatal(err)
	}
	// Before the step-up: to the step-up, not the document.
	if res := h.entered(h.alice).get("/account/invoices/R-1001/pdf"); res.StatusCode != 303 || !strings.HasPrefix(res.Header.Get("Location"), "/account/verify") {
		t.Errorf("before step-up: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	c := h.steppedUp(h.alice)
	links := h.queryInt(`SELECT count(*) FROM access_links WHERE purpose = 'document'`)
	res := c.get("/account/invoices/R-1001/pdf")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/pdf" ||
		res.Header.Get("Content-Disposition") != `attachment; filename="Invoice-R-1001.pdf"` ||
		res.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(res.body, "%PDF-") {
		t.Fatalf("rendered copy: %d %v", res.StatusCode, res.Header)
	}
	if n := h.queryInt(`SELECT count(*) FROM access_links WHERE purpose = 'document'
		AND expires_at > now() + interval '89 days'`); n != links+1 {
		t.Errorf("the QR code's link: %d new links, want 1 of its own (purpose document, 90 days)", n-links)
	}
	if n := h.interactions(h.alice, "invoice.copy_downloaded"); n != 1 {
		t.Errorf("%d downloads recorded", n)
	}
	// No logo for the PDF yet (creditor A's is an SVG): none drawn. With a
	// PNG rendering on file, it is.
	img := image.NewRGBA(image.Rect(0, 0, 40, 10))
	img.Set(1, 1, color.RGBA{200, 0, 0, 255})
	var logo bytes.Buffer
	png.Encode(&logo, img)
	if _, err := h.db.Exec(`UPDATE creditors SET logo_print = $2 WHERE id = $1`, h.a.ID, logo.Bytes()); err != nil {
		t.Fatal(err)
	}
	withLogo := c.get("/account/invoices/R-1001/pdf")
	images := strings.Count(withLogo.body, "/Subtype /Image")
	if images <= strings.Count(res.body, "/Subtype /Image") {
		t.Errorf("the print logo was not drawn (%d images, %d before)", images, strings.Count(res.body, "/Subtype /Image"))
	}
	// The creditor's original, when uploaded, is what the debtor gets.
	original := "%PDF-1.4\n% the creditor's own\n" + strings.Repeat("x", 80) + "\n%%EOF\n"
	if res := h.call("PUT", "/api/v1/invoices/R-1001/document", h.apiKey(h.a), original, "Content-Type", "application/pdf"); res.status != 200 {
		t.Fatal(res.status)
	}
	if res := c.get("/account/invoices/R-1001/pdf"); res.body != original {
		t.Error("the uploaded original was not served")
	}
	// Someone else's invoice is a 404.
	for _, n := range []string{"R-2001", "R-3001"} {
		if res := c.get("/account/invoices/" + n + "/pdf"); res.StatusCode != 404 {
			t.Errorf("%s: %d", n, res.StatusCode)
		}
	}
}
