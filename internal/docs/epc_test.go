package docs

import (
	"strings"
	"testing"
)

func TestEPCPayload(t *testing.T) {
	p, err := EPCPayload(Transfer{Name: "Nordwind Mobil GmbH", IBAN: "DE89 3704 0044 0532 0130 00", BIC: "cobadeffxxx",
		AmountMinor: 28561, Reference: "RF18 5390 0754 7034"})
	if err != nil {
		t.Fatal(err)
	}
	want := "BCD\n002\n1\nSCT\nCOBADEFFXXX\nNordwind Mobil GmbH\nDE89370400440532013000\nEUR285.61\n\nRF18539007547034"
	if p != want {
		t.Errorf("payload\n%q\nwant\n%q", p, want)
	}
	p, err = EPCPayload(Transfer{Name: "Lumen  Energie\nGmbH", IBAN: "DE89370400440532013000", AmountMinor: 5, Text: "Kundennr. 10001 Rechnung LE-2026-00012"})
	if err != nil || !strings.HasSuffix(p, "EUR0.05\n\n\nKundennr. 10001 Rechnung LE-2026-00012") || !strings.Contains(p, "\nLumen Energie GmbH\n") {
		t.Errorf("text payload %q %v", p, err)
	}
	for name, tr := range map[string]Transfer{
		"bad iban":  {Name: "X", IBAN: "DE00 0000"},
		"no name":   {IBAN: "DE89370400440532013000"},
		"both refs": {Name: "X", IBAN: "DE89370400440532013000", Reference: "RF18539007547034", Text: "x"},
		"bad rf":    {Name: "X", IBAN: "DE89370400440532013000", Reference: "RF19539007547034"},
		"long text": {Name: "X", IBAN: "DE89370400440532013000", Text: strings.Repeat("x", 141)},
		"negative":  {Name: "X", IBAN: "DE89370400440532013000", AmountMinor: -1},
	} {
		if _, err := EPCPayload(tr); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestQRPNG(t *testing.T) {
	p, _ := EPCPayload(Transfer{Name: "Nordwind Mobil GmbH", IBAN: "DE89370400440532013000", AmountMinor: 100, Reference: "RF18539007547034"})
	png, err := QRPNG(p, 256)
	if err != nil || len(png) < 100 || string(png[1:4]) != "PNG" {
		t.Fatalf("QR PNG: %d bytes, %v", len(png), err)
	}
	u, err := QRDataURL(p, 128)
	if err != nil || !strings.HasPrefix(u, "data:image/png;base64,") {
		t.Errorf("data URL %q… %v", u[:30], err)
	}
}
