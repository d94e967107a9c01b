package docs

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func sampleReminder() ReminderDoc {
	inv := sampleInvoice()
	return ReminderDoc{
		Letterhead: Letterhead{BrandColor: inv.BrandColor, CreditorName: inv.CreditorName, CreditorAddress: inv.CreditorAddress,
			CreditorContact: inv.CreditorContact, LegalFooter: inv.LegalFooter, Title: "Mahnung", Created: inv.Created},
		SenderLine: "Nordwind Mobil GmbH · Am Sandtorkai 50 · 20457 Hamburg",
		Recipient:  inv.DebtorLines,
		Facts:      [][2]string{{"Datum", "29.12.2026"}, {"Kundennummer", "10001"}},
		Salutation: "Guten Tag Jana Schulz,",
		Intro:      "der folgende Betrag ist trotz unserer Erinnerung noch offen.",
		Invoices: []ReminderInvoice{{Heading: "Rechnung Nr. 2026-001243 vom 17.11.2026, fällig am 01.12.2026",
			Rows:  [][2]string{{"Rechnungsbetrag", "100,00 €"}, {"Verzugszinsen 6,27 % p. a. vom 09.12.2026 bis 29.12.2026", "0,36 €"}},
			Total: [2]string{"Offen", "100,36 €"}}},
		Total:    [2]string{"Zu zahlender Gesamtbetrag", "100,36 €"},
		Deadline: "Bitte zahlen Sie 100,36 € bis zum 08.01.2027.",
		Payment:  "IBAN DE89 3704 0044 0532 0130 00",
		PortalQR: "https://pay.example/l/abc", PortalCaption: "Online bezahlen",
		TransferQR: "BCD\n002\n1\nSCT\n\nNordwind Mobil GmbH\nDE89370400440532013000\nEUR100.36\n\nRF2510001", TransferCaption: "GiroCode",
		Closing: []string{"Mit freundlichen Grüßen", "Nordwind Mobil GmbH"},
	}
}

// TestRemindersPDFDuplex: each letter starts on a page of its own and,
// for duplex printing, on a new sheet.
func TestRemindersPDFDuplex(t *testing.T) {
	long := sampleReminder()
	for range 30 { // two pages
		long.Invoices = append(long.Invoices, long.Invoices[0])
	}
	var buf bytes.Buffer
	pages, err := RenderRemindersPDF(&buf, []ReminderDoc{sampleReminder(), long, sampleReminder()}, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != 3 || pages[0] != 1 || pages[1] < 2 || pages[2] != 1 {
		t.Fatalf("pages per letter %v", pages)
	}
	want := 0
	for _, p := range pages {
		want += p + p%2
	}
	m := regexp.MustCompile(`/Count (\d+)`).FindSubmatch(buf.Bytes())
	if m == nil || string(m[1]) != strconv.Itoa(want) {
		t.Errorf("page count %q, want %d", m, want)
	}
	if out := os.Getenv("SETTLE_PDF_OUT"); out != "" {
		os.WriteFile(out+".reminders.pdf", buf.Bytes(), 0o644)
	}
}

// TestReminderPDFReadsBack: the letter's text and both QR codes read back.
func TestReminderPDFReadsBack(t *testing.T) {
	pdftotext := tool(t, "pdftotext", "poppler-utils")
	pdftoppm := tool(t, "pdftoppm", "poppler-utils")
	zbarimg := tool(t, "zbarimg", "zbar-tools")
	d := sampleReminder()
	var buf bytes.Buffer
	if err := RenderReminderPDF(&buf, d); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pdf := filepath.Join(dir, "reminder.pdf")
	os.WriteFile(pdf, buf.Bytes(), 0o644)
	out, err := exec.Command(pdftotext, "-layout", pdf, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Mahnung", "Nordwind Mobil GmbH · Am Sandtorkai 50", "Chausseestraße 38", "Rechnung Nr. 2026-001243",
		"0,36 €", "Zu zahlender Gesamtbetrag", "08.01.2027", "Amtsgericht Hamburg"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("pdftotext lacks %q:\n%s", want, out)
		}
	}
	if err := exec.Command(pdftoppm, "-png", "-r", "200", "-f", "1", "-l", "1", pdf, filepath.Join(dir, "page")).Run(); err != nil {
		t.Fatal(err)
	}
	pages, _ := filepath.Glob(filepath.Join(dir, "page*.png"))
	out, err = exec.Command(zbarimg, "--quiet", "--raw", pages[0]).Output()
	if err != nil {
		t.Fatalf("zbarimg: %v", err)
	}
	if !strings.Contains(string(out), d.PortalQR) || !strings.Contains(string(out), "EUR100.36") {
		t.Errorf("QR codes: %q", out)
	}
}
