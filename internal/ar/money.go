package ar

import "regexp"

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
