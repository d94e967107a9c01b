package docs

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/settle/settle/internal/ar"
)

// Transfer is a SEPA credit transfer to prefill in a banking app.
type Transfer struct {
	Name        string // the beneficiary (creditor), at most 70 characters
	IBAN        string
	BIC         string // optional in the EPC069-12 version 002
	AmountMinor int64  // in euro cents; 0 leaves the amount to the payer
	Reference   string // an ISO 11649 RF reference (structured), or…
	Text        string // …unstructured remittance information (at most 140)
}

// EPCPayload builds the text of an EPC QR code (EPC069-12, version 002,
// UTF-8) for a transfer in euro. Either Reference or Text is used, never
// both, as the standard demands.
func EPCPayload(t Transfer) (string, error) {
	name := strings.TrimSpace(t.Name)
	switch {
	case name == "" || utf8.RuneCountInString(name) > 70:
		return "", errors.New("epc: beneficiary name must be 1 to 70 characters")
	case !ar.ValidIBAN(t.IBAN):
		return "", errors.New("epc: invalid IBAN")
	case t.AmountMinor < 0 || t.AmountMinor > 99999999999:
		return "", errors.New("epc: amount out of range (0.01 to 999,999,999.99 EUR)")
	case t.Reference != "" && t.Text != "":
		return "", errors.New("epc: use a structured reference or a text, not both")
	case t.Reference != "" && !ar.ValidCreditorReference(t.Reference):
		return "", errors.New("epc: the reference is not a valid RF creditor reference")
	case utf8.RuneCountInString(t.Text) > 140:
		return "", errors.New("epc: remittance text is longer than 140 characters")
	}
	amount := ""
	if t.AmountMinor > 0 {
		amount = fmt.Sprintf("EUR%d.%02d", t.AmountMinor/100, t.AmountMinor%100)
	}
	lines := []string{
		"BCD", "002", "1", "SCT",
		strings.ToUpper(strings.TrimSpace(t.BIC)),
		clean(name),
		ar.NormalizeIBAN(t.IBAN),
		amount,
		"", // purpose code
		strings.ToUpper(strings.ReplaceAll(t.Reference, " ", "")),
		clean(t.Text),
	}
	// Trailing empty lines may be left out.
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	p := strings.Join(lines, "\n")
	if len(p) > 331 {
		return "", errors.New("epc: payload longer than 331 bytes")
	}
	return p, nil
}

// clean keeps a field on one line.
func clean(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
