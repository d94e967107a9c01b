package ar

import (
	"fmt"
	"regexp"
)

// Money is an amount in minor units (cents) of an ISO 4217 currency.
type Money struct {
	Minor    int64
	Currency string
}

var currencyRE = regexp.MustCompile(`^[A-Z]{3}$`)

// ValidCurrency reports whether code looks like an ISO 4217 code.
func ValidCurrency(code string) bool { return currencyRE.MatchString(code) }

// IsZero reports whether the amount is zero.
func (m Money) IsZero() bool { return m.Minor == 0 }

// String is the amount with its currency code, e.g. "1234.50 EUR" (pages
// format money in the reader's language; this is for logs and a last
// resort).
func (m Money) String() string {
	sign := ""
	v := m.Minor
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%02d %s", sign, v/100, v%100, m.Currency)
}
