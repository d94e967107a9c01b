package ar

import (
	"fmt"
	"regexp"

	"github.com/bojanz/currency"
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
	unit, d := minorUnit(m.Currency)
	if d == 0 {
		return fmt.Sprintf("%s%d %s", sign, v, m.Currency)
	}
	return fmt.Sprintf("%s%d.%0*d %s", sign, v/unit, d, v%unit, m.Currency)
}

// minorUnit is how many minor units make one unit of a currency (100 for
// EUR, 1 for JPY) and its number of fraction digits; unknown codes count
// as having none.
func minorUnit(cur string) (unit int64, digits int) {
	d, ok := currency.GetDigits(cur)
	if !ok {
		return 1, 0
	}
	unit = 1
	for i := 0; i < int(d); i++ {
		unit *= 10
	}
	return unit, int(d)
}
