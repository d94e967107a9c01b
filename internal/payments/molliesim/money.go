package molliesim

import (
	"errors"
	"strconv"
	"strings"
)

// currencyDecimals lists the currencies the simulated account accepts and
// how many decimals Mollie expects in their "value" strings.
var currencyDecimals = map[string]int{
	"EUR": 2, "USD": 2, "GBP": 2, "CHF": 2, "DKK": 2, "NOK": 2, "SEK": 2,
	"PLN": 2, "CZK": 2, "HUF": 2, "RON": 2, "CAD": 2, "AUD": 2, "JPY": 0, "ISK": 0,
}

// money is an amount in minor units of a currency.
type money struct {
	Currency string
	Minor    int64
}

var (
	errAmountCurrency = errors.New("currency")
	errAmountValue    = errors.New("value")
)

// parseMoney parses Mollie's {currency, value} pair. Like Mollie it
// insists on the currency's exact number of decimals ("10.00", not "10"
// or "10.0") and on a plain non-negative decimal.
func parseMoney(currency, value string) (money, error) {
	dec, ok := currencyDecimals[currency]
	if !ok {
		return money{}, errAmountCurrency
	}
	whole, frac, hasDot := strings.Cut(value, ".")
	if whole == "" || (dec == 0 && hasDot) || (dec > 0 && (!hasDot || len(frac) != dec)) {
		return money{}, errAmountValue
	}
	if len(whole) > 1 && whole[0] == '0' {
		return money{}, errAmountValue
	}
	for _, c := range whole + frac {
		if c < '0' || c > '9' {
			return money{}, errAmountValue
		}
	}
	if len(whole) > 12 {
		return money{}, errAmountValue
	}
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil {
		return money{}, errAmountValue
	}
	return money{Currency: currency, Minor: n}, nil
}

// Value formats the amount as Mollie's value string.
func (m money) Value() string {
	dec := currencyDecimals[m.Currency]
	neg := m.Minor < 0
	n := m.Minor
	if neg {
		n = -n
	}
	s := strconv.FormatInt(n, 10)
	if dec > 0 {
		for len(s) <= dec {
			s = "0" + s
		}
		s = s[:len(s)-dec] + "." + s[len(s)-dec:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

func (m money) out() *amountJSON {
	return &amountJSON{Value: m.Value(), Currency: m.Currency}
}

// amountJSON is Mollie's amount object. Mollie writes value first.
type amountJSON struct {
	Value    string `json:"value"`
	Currency string `json:"currency"`
}
