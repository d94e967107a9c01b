package docs

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"regexp"
	"testing"
	"time"
)

func sampleInvoice() InvoiceDoc {
	return InvoiceDoc{
		BrandColor: "#00626f", CreditorName: "Nordwind Mobil", CreditorAddress: "Nordwind Mobil GmbH · Am Sandtorkai 50 · 20457 Hamburg",
		CreditorContact: "+49 40 1234 5670 · service@nordwind-mobil.example", LegalFooter: "Nordwind Mobil GmbH · Amtsgericht Hamburg HRB 000000 · Fiktives Unternehmen",
		DebtorLines: []string{"Jana Schulz", "Chausseestraße 38", "10115 Berlin"},
		Title:       "Rechnung 2026-001243",
		Facts:       [][2]string{{"Rechnungsdatum", "03.09.2026"}, {"Fällig am", "17.09.2026"}, {"Kundennummer", "10001"}},
		LineHeader:  [4]string{"Beschreibung", "Menge", "Einzelpreis", "Betrag"},
		Lines:       [][4]string{{"Grundgebühr Tarif Nordwind M", "1", "25,20 €", "25,20 €"}, {"Verbindungen ins Ausland (Minuten) <script>", "20", "0,19 €", "3,80 €"}},
		Totals:      [][2]string{{"Nettobetrag", "29,00 €"}, {"MwSt. 19 %", "5,51 €"}, {"Gesamtbetrag", "34,51 €"}, {"Noch offen", "34,51 €"}},
		PaymentText: "Bitte überweisen Sie 34,51 € bis zum 17.09.2026 an DE89 3704 0044 0532 0130 00 mit dem Verwendungszweck RF2510001.",
		PortalQR:    "https://pay.example/l/abc", PortalCaption: "Ihr Kundenkonto: scannen, um online zu bezahlen.",
		TransferQR: "BCD\n002\n1\nSCT\n\nNordwind Mobil GmbH\nDE89370400440532013000\nEUR34.51\n\nRF2510001", TransferCaption: "GiroCode: mit der Banking-App scannen.",
		Created: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC),
	}
}

func TestRenderInvoicePDF(t *testing.T) {
	var buf bytes.Buffer
	if err := RenderInvoicePDF(&buf, sampleInvoice()); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if !bytes.HasPrefix(b, []byte("%PDF-")) || !bytes.Contains(b[len(b)-64:], []byte("%%EOF")) || len(b) < 10_000 {
		t.Fatalf("not a complete PDF (%d bytes)", len(b))
	}
	if out := os.Getenv("SETTLE_PDF_OUT"); out != "" {
		os.WriteFile(out, b, 0o644)
	}
}

func TestRenderStatementPDF(t *testing.T) {
	inv := sampleInvoice()
	d := StatementDoc{Letterhead: Letterhead{BrandColor: inv.BrandColor, CreditorName: inv.CreditorName, Title: "Kontoauszug",
		LegalFooter: inv.LegalFooter}, DebtorLines: inv.DebtorLines, Period: "01.01.2026 – 23.11.2026",
		Header:  [5]string{"Datum", "Buchung", "Referenz", "Betrag", "Saldo"},
		Opening: [2]string{"Anfangssaldo", "0,00 €"}, Closing: [2]string{"Endsaldo", "34,51 €"}}
	for i := 0; i < 80; i++ { // long enough for a second page
		d.Rows = append(d.Rows, [5]string{"03.09.2026", "Rechnung · 2026-001243", "Überweisung", "34,51 €", "34,51 €"})
	}
	var buf bytes.Buffer
	if err := RenderStatementPDF(&buf, d); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	m := regexp.MustCompile(`/Count (\d+)`).FindSubmatch(b)
	if !bytes.HasPrefix(b, []byte("%PDF-")) || m == nil || string(m[1]) < "2" || len(m[1]) != 1 {
		t.Errorf("statement PDF: %d bytes, pages %q: want 2 to 9 pages for 80 rows", len(b), m)
	}
	if out := os.Getenv("SETTLE_PDF_OUT"); out != "" {
		os.WriteFile(out+".statement.pdf", buf.Bytes(), 0o644)
	}
}

// BenchmarkInvoicePDF renders a one-page invoice copy (target < 50 ms).
func BenchmarkInvoicePDF(b *testing.B) {
	d := sampleInvoice()
	b.ReportAllocs()
	for b.Loop() {
		var buf bytes.Buffer
		if err := RenderInvoicePDF(&buf, d); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStatementPDF renders a statement of 1,000 entries (target <
// 300 ms).
func BenchmarkStatementPDF(b *testing.B) {
	inv := sampleInvoice()
	d := StatementDoc{Letterhead: Letterhead{BrandColor: inv.BrandColor, CreditorName: inv.CreditorName, Title: "Kontoauszug",
		LegalFooter: inv.LegalFooter}, DebtorLines: inv.DebtorLines, Period: "01.01.2016 – 23.11.2026",
		Header: [5]string{"Datum", "Buchung", "Referenz", "Betrag", "Saldo"}, Opening: [2]string{"Anfangssaldo", "0,00 €"},
		Closing: [2]string{"Endsaldo", "34,51 €"}}
	for i := 0; i < 1000; i++ {
		d.Rows = append(d.Rows, [5]string{"03.09.2026", "Rechnung · 2026-001243", "Überweisung", "34,51 €", "1.234,51 €"})
	}
	b.ReportAllocs()
	for b.Loop() {
		var buf bytes.Buffer
		if err := RenderStatementPDF(&buf, d); err != nil {
			b.Fatal(err)
		}
	}
}

func TestLogoInPDF(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 40, 20))
	for x := 0; x < 40; x++ {
		img.Set(x, 10, color.RGBA{0, 98, 111, 255})
	}
	var logo bytes.Buffer
	png.Encode(&logo, img)
	for name, lh := range map[string]Letterhead{
		"png":    {Logo: logo.Bytes(), LogoType: "image/png"},
		"broken": {Logo: []byte("not a png"), LogoType: "image/png"},
		"cut":    {Logo: logo.Bytes()[:len(logo.Bytes())/2], LogoType: "image/png"},
		"svg":    {Logo: []byte("<svg/>"), LogoType: "image/svg+xml"},
	} {
		d := sampleInvoice()
		lh.CreditorName, lh.Title = d.CreditorName, d.Title
		var buf bytes.Buffer
		if err := RenderStatementPDF(&buf, StatementDoc{Letterhead: lh}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) {
			t.Errorf("%s: no PDF", name)
		}
		if hasImage := bytes.Contains(buf.Bytes(), []byte("/Subtype /Image")); hasImage != (name == "png") {
			t.Errorf("%s: image in PDF = %v", name, hasImage)
		}
	}
}
