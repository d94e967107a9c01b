package dunning_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/settle/settle/internal/ar"
)

// walkToFinal runs the engine through the standard policy up to the
// final notice (by letter) on Tue 29 Dec 2026: with the second reminder's
// fee of 2.50 and the final's 2.50 and 0.36 of default interest in all.
func walkToFinal(t *testing.T, w *world) {
	t.Helper()
	for _, at := range []string{"2026-11-30 09:05", "2026-12-03 09:10", "2026-12-08 09:05", "2026-12-15 09:05", "2026-12-29 09:05"} {
		w.run(t, at)
	}
}

func pdfText(t *testing.T, pdf []byte) (string, string) {
	t.Helper()
	pdftotext, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext is missing (poppler-utils)")
		}
		t.Skip("pdftotext is missing (apt install poppler-utils)")
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "letters.pdf")
	if err := os.WriteFile(file, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(pdftotext, "-layout", file, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out), file
}

// TestExportLetters: the final notices the engine left for print become
// one PDF, a letter per debtor in their language with the claim basis,
// the amounts itemised (fees earlier and now, default interest with rate
// and period), the deadline and the bank details; the GiroCode asks for
// the total. Nothing changes until the letters are marked posted.
func TestExportLetters(t *testing.T) {
	w := setup(t)
	if _, err := w.st.DB().Exec(`UPDATE creditors SET legal_name = 'Nordlicht Strom GmbH', address = 'Hafenstraße 1
20457 Hamburg', support_phone = '+49 40 123456', bank_iban = 'DE89370400440532013000', bank_bic = 'COBADEFFXXX',
		legal_footer = 'Nordlicht Strom GmbH · Amtsgericht Hamburg HRB 1' WHERE id = $1`, w.c.ID); err != nil {
		t.Fatal(err)
	}
	var err error
	if w.c, err = w.st.Creditor(w.ctx, w.c.ID); err != nil {
		t.Fatal(err)
	}
	w.debtor(t, "1001", 10000, nil)
	w.debtor(t, "1002", 10000, func(d *ar.Debtor) { d.Language, d.Name = "de", "Bernd Müller" })
	walkToFinal(t, w)
	if n := w.count(t, `SELECT count(*) FROM messages WHERE status = 'to_print'`); n != 2 {
		t.Fatalf("%d letters to print, want 2", n)
	}
	w.now = wall("2026-12-29 14:00")
	x, err := w.e.ExportLetters(w.ctx, w.c, 0, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(x.IDs) != 2 || len(x.Pages) != 2 || len(x.Settled) != 0 {
		t.Fatalf("export: %d letters, pages %v, settled %v", len(x.IDs), x.Pages, x.Settled)
	}
	if out := os.Getenv("SETTLE_PDF_OUT"); out != "" {
		os.WriteFile(out, x.PDF, 0o644)
	}
	text, file := pdfText(t, x.PDF)
	pages := strings.Split(text, "\f")
	en, de := pages[0], pages[x.Pages[0]+x.Pages[0]%2]
	for _, want := range []string{"Final notice", "Dear Alice 1001,", "Invoice no. R-1001 of 17 Nov 2026, due on 1 Dec 2026",
		"Invoice amount", "€100.00", "Reminder fees of earlier reminders", "€2.50", "Reminder fee for this reminder",
		"Default interest on €100.00: 6.27% a year from 9 Dec 2026 to 29 Dec 2026", "€0.36", "Total amount due", "€105.36",
		"Please pay €105.36 by 8 Jan 2027.", "DE89 3704 0044 0532 0130 00", "Nordlicht Strom GmbH · Hafenstraße 1 · 20457 Hamburg",
		"Hauptstraße 1", "Amtsgericht Hamburg", "collection agency"} {
		if !strings.Contains(en, want) {
			t.Errorf("English letter lacks %q:\n%s", want, en)
		}
	}
	for _, want := range []string{"Letzte Mahnung", "Guten Tag Bernd Müller,", "Rechnung Nr. R-1002 vom 17.11.2026, fällig am 01.12.2026",
		"Rechnungsbetrag", "100,00 €", "Mahngebühren früherer Mahnungen", "2,50 €", "Mahngebühr dieser Mahnung",
		"Verzugszinsen auf 100,00 €: 6,27 % p. a. vom 09.12.2026 bis 29.12.2026", "0,36 €", "Zu zahlender Gesamtbetrag", "105,36 €",
		"Bitte zahlen Sie 105,36 € bis zum 08.01.2027.", "IBAN DE89 3704 0044 0532 0130 00", "Verwendungszweck"} {
		if !strings.Contains(de, want) {
			t.Errorf("German letter lacks %q:\n%s", want, de)
		}
	}
	// Duplex: each one-page letter is followed by a blank back page.
	if m := regexp.MustCompile(`/Count (\d+)`).FindSubmatch(x.PDF); m == nil || string(m[1]) != strconv.Itoa(x.Pages[0]+x.Pages[0]%2+x.Pages[1]+x.Pages[1]%2) {
		t.Errorf("pages in the PDF %q, letters %v", m, x.Pages)
	}
	// The QR codes: the GiroCode asks for the total, the portal code is a
	// new document link.
	if zbarimg, err := exec.LookPath("zbarimg"); err == nil {
		if pdftoppm, err := exec.LookPath("pdftoppm"); err == nil {
			dir := filepath.Dir(file)
			if err := exec.Command(pdftoppm, "-png", "-r", "200", "-f", "1", "-l", "1", file, filepath.Join(dir, "page")).Run(); err != nil {
				t.Fatal(err)
			}
			png, _ := filepath.Glob(filepath.Join(dir, "page*.png"))
			out, err := exec.Command(zbarimg, "--quiet", "--raw", png[0]).Output()
			if err != nil {
				t.Fatalf("zbarimg: %v", err)
			}
			if !strings.Contains(string(out), "DE89370400440532013000\nEUR105.36\n\nRF") || !strings.Contains(string(out), "http://settle.test/l/") {
				t.Errorf("QR codes: %q", out)
			}
		}
	}
	if n := w.count(t, `SELECT count(*) FROM access_links WHERE purpose = 'document' AND creditor_id = $1`, w.c.ID); n != 2 {
		t.Errorf("%d document links, want one per letter", n)
	}
	if n := w.count(t, `SELECT count(*) FROM messages WHERE status = 'to_print'`); n != 2 {
		t.Errorf("the export changed the outbox: %d to print", n)
	}
	// A letter whose invoice was paid meanwhile is left out and, when the
	// others are marked posted, cancelled.
	if _, err := w.st.DB().Exec(`INSERT INTO ledger_entries (creditor_id, debtor_id, invoice_id, kind, amount_minor, currency, value_date)
		SELECT creditor_id, debtor_id, id, 'payment', -10536, 'EUR', '2026-12-29' FROM invoices WHERE number = 'R-1002'`); err != nil {
		t.Fatal(err)
	}
	if x, err = w.e.ExportLetters(w.ctx, w.c, 0, true); err != nil || len(x.IDs) != 1 || len(x.Settled) != 1 {
		t.Fatalf("export after a payment: %+v %v", x, err)
	}
	n, err := w.e.MarkLettersPosted(w.ctx, w.c, x, nil)
	if err != nil || n != 1 {
		t.Fatalf("marked %d: %v", n, err)
	}
	if got := w.count(t, `SELECT count(*) FROM messages WHERE status = 'sent' AND channel = 'letter' AND provider_id = 'print:2026-12-29' AND sent_at IS NOT NULL`); got != 1 {
		t.Errorf("%d letters posted", got)
	}
	if got := w.count(t, `SELECT count(*) FROM messages WHERE status = 'cancelled' AND channel = 'letter'`); got != 1 {
		t.Errorf("%d letters cancelled", got)
	}
	if got := w.count(t, `SELECT count(*) FROM audit_log WHERE action = 'letters.posted' AND creditor_id = $1`, w.c.ID); got != 1 {
		t.Errorf("%d audit entries", got)
	}
	if x, err = w.e.ExportLetters(w.ctx, w.c, 0, true); err != nil || len(x.IDs) != 0 || x.PDF != nil {
		t.Errorf("nothing left to print: %+v %v", x, err)
	}
}
