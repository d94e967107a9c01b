package docs

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// tool finds a command; missing tools skip locally and fail under CI.
func tool(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing; CI must install %s", name, pkg)
		}
		t.Skipf("%s is missing (apt install %s)", name, pkg)
	}
	return p
}

// TestInvoicePDFReadsBack extracts the text of a rendered invoice with
// pdftotext and decodes both QR codes from the rendered page with zbarimg:
// what a person and a banking app would read.
func TestInvoicePDFReadsBack(t *testing.T) {
	pdftotext := tool(t, "pdftotext", "poppler-utils")
	pdftoppm := tool(t, "pdftoppm", "poppler-utils")
	zbarimg := tool(t, "zbarimg", "zbar-tools")
	dir := t.TempDir()
	d := sampleInvoice()
	var buf bytes.Buffer
	if err := RenderInvoicePDF(&buf, d); err != nil {
		t.Fatal(err)
	}
	pdf := filepath.Join(dir, "invoice.pdf")
	os.WriteFile(pdf, buf.Bytes(), 0o644)
	out, err := exec.Command(pdftotext, "-layout", pdf, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	text := string(out)
	for _, want := range []string{"Rechnung 2026-001243", "Chausseestraße 38", "Jana Schulz", "25,20 €", "34,51 €", "Noch offen", "<script>"} {
		if !strings.Contains(text, want) {
			t.Errorf("pdftotext lacks %q:\n%s", want, text)
		}
	}
	if err := exec.Command(pdftoppm, "-png", "-r", "200", "-f", "1", "-l", "1", pdf, filepath.Join(dir, "page")).Run(); err != nil {
		t.Fatalf("pdftoppm: %v", err)
	}
	pages, _ := filepath.Glob(filepath.Join(dir, "page*.png"))
	if len(pages) != 1 {
		t.Fatalf("rendered pages: %v", pages)
	}
	out, err = exec.Command(zbarimg, "--quiet", "--raw", pages[0]).Output()
	if err != nil {
		t.Fatalf("zbarimg: %v", err)
	}
	codes := string(out)
	if !strings.Contains(codes, d.PortalQR) {
		t.Errorf("the portal QR code does not decode to %q: %q", d.PortalQR, codes)
	}
	if !strings.Contains(codes, "BCD\n002\n1\nSCT\n") || !strings.Contains(codes, "DE89370400440532013000\nEUR34.51\n\nRF2510001") {
		t.Errorf("the GiroCode does not decode to the EPC payload: %q", codes)
	}
}

// TestCreditNotePDFReadsBack: the credit note's number, the invoice it
// credits, the reason and both amounts are text a person (and a
// bookkeeping tool) can read back.
func TestCreditNotePDFReadsBack(t *testing.T) {
	pdftotext := tool(t, "pdftotext", "poppler-utils")
	inv := sampleInvoice()
	d := CreditNoteDoc{
		Letterhead: Letterhead{BrandColor: inv.BrandColor, CreditorName: inv.CreditorName, CreditorAddress: inv.CreditorAddress,
			CreditorContact: inv.CreditorContact, LegalFooter: inv.LegalFooter, Title: "Gutschrift GS-dsp_7", Created: inv.Created},
		DebtorLines: inv.DebtorLines,
		Facts: [][2]string{{"Gutschrift Nr.", "GS-dsp_7"}, {"Datum", "20.11.2026"}, {"Kundennummer", "10001"},
			{"Zur Rechnung", "2026-001243"}},
		ReasonLabel: "Grund", Reason: "Reklamation: Störung drei Tage <b>",
		Amounts: [][2]string{{"Gutschriftsbetrag", "12,34 €"}, {"Noch offen auf Rechnung 2026-001243", "22,17 €"}},
		Text:    "Wir haben den Betrag mit der Rechnung 2026-001243 verrechnet.",
	}
	var buf bytes.Buffer
	if err := RenderCreditNotePDF(&buf, d); err != nil {
		t.Fatal(err)
	}
	pdf := filepath.Join(t.TempDir(), "credit.pdf")
	os.WriteFile(pdf, buf.Bytes(), 0o644)
	out, err := exec.Command(pdftotext, "-layout", pdf, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	text := string(out)
	for _, want := range []string{"Gutschrift GS-dsp_7", "Nordwind Mobil", "Chausseestraße 38", "Zur Rechnung", "2026-001243",
		"Störung drei Tage <b>", "12,34 €", "22,17 €", "Noch offen auf Rechnung 2026-001243", "verrechnet", "Amtsgericht Hamburg"} {
		if !strings.Contains(text, want) {
			t.Errorf("pdftotext lacks %q:\n%s", want, text)
		}
	}
}
