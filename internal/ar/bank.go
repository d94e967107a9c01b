package ar

import (
	"fmt"
	"math/big"
	"strings"
	"unicode"
)

// NormalizeIBAN removes spaces and upper-cases an IBAN as people write it.
func NormalizeIBAN(s string) string {
	return strings.ToUpper(strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s))
}

// ibanLengths are the IBAN lengths of the SEPA countries Settle's
// creditors are likely to bank in (ISO 13616 registry).
var ibanLengths = map[string]int{
	"AT": 20, "BE": 16, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "EE": 20, "ES": 24,
	"FI": 18, "FR": 27, "GB": 22, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IS": 26, "IT": 27,
	"LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PL": 28,
	"PT": 25, "RO": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27,
}

// ValidIBAN checks an IBAN's country length and its ISO 7064 mod-97
// check digits.
func ValidIBAN(s string) bool {
	iban := NormalizeIBAN(s)
	if len(iban) < 15 || len(iban) > 34 {
		return false
	}
	if n, ok := ibanLengths[iban[:2]]; ok && n != len(iban) {
		return false
	}
	for _, r := range iban {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return mod97(iban[4:]+iban[:4]) == 1
}

// FormatIBAN groups an IBAN in fours, as it is printed.
func FormatIBAN(s string) string {
	iban := NormalizeIBAN(s)
	var b strings.Builder
	for i, r := range iban {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// mod97 computes n mod 97 of an alphanumeric string with letters as
// A=10 … Z=35.
func mod97(s string) int {
	var digits strings.Builder
	for _, r := range s {
		if r >= 'A' && r <= 'Z' {
			fmt.Fprintf(&digits, "%d", r-'A'+10)
		} else {
			digits.WriteRune(r)
		}
	}
	n, ok := new(big.Int).SetString(digits.String(), 10)
	if !ok {
		return -1
	}
	return int(new(big.Int).Mod(n, big.NewInt(97)).Int64())
}

// CreditorReference makes an ISO 11649 structured creditor reference
// ("RF" + two check digits + the reference), the reference that banks
// carry through and EPC QR codes hold. ref is upper-cased and may hold at
// most 21 letters and digits.
func CreditorReference(ref string) (string, error) {
	ref = strings.ToUpper(strings.ReplaceAll(ref, " ", ""))
	if ref == "" || len(ref) > 21 {
		return "", fmt.Errorf("creditor reference %q: 1 to 21 characters", ref)
	}
	for _, r := range ref {
		if !(r >= '0' && r <= '9' || r >= 'A' && r <= 'Z') {
			return "", fmt.Errorf("creditor reference %q: letters and digits only", ref)
		}
	}
	check := 98 - mod97(ref+"RF00")
	return fmt.Sprintf("RF%02d%s", check, ref), nil
}

// ValidCreditorReference checks an RF reference's check digits.
func ValidCreditorReference(s string) bool {
	s = strings.ToUpper(strings.ReplaceAll(s, " ", ""))
	if len(s) < 5 || len(s) > 25 || !strings.HasPrefix(s, "RF") {
		return false
	}
	return mod97(s[4:]+s[:4]) == 1
}
