package i18n

import (
	"math/rand/v2"
	"testing"

	"github.com/bojanz/currency"
)

// Money writes exactly what the CLDR formatter writes, for every
// language, several currencies (2, 0 and 3 fraction digits) and amounts
// from zero to the billions, positive and negative.
func TestMoneyMatchesCLDR(t *testing.T) {
	c := MustLoad()
	rng := rand.New(rand.NewPCG(1, 2))
	amounts := []int64{0, 1, 9, 10, 99, 100, 999, 1000, 9999, 12345, 99999, 100000, 123456, 999999, 1000000, 123456789, 100000000000}
	for range 2000 {
		amounts = append(amounts, rng.Int64N(1_000_000_000_000))
	}
	for _, lang := range Languages {
		l := c.Locale(lang)
		for _, code := range []string{"EUR", "USD", "GBP", "CHF", "JPY", "KWD", "PLN", "SEK"} {
			if p := learn(l.money, code); !p.ok {
				t.Errorf("%s %s: no pattern learnt (Money would fall back to the formatter)", lang, code)
			}
			for _, m := range amounts {
				for _, minor := range []int64{m, -m} {
					a, err := currency.NewAmountFromInt64(minor, code)
					if err != nil {
						t.Fatal(err)
					}
					if got, want := l.Money(minor, code), l.money.Format(a); got != want {
						t.Fatalf("%s Money(%d, %s) = %q, CLDR formatter %q", lang, minor, code, got, want)
					}
				}
			}
		}
	}
	// An invalid code still gives something readable.
	if got := c.Locale("de").Money(500, "XXXX"); got != "500 XXXX" {
		t.Errorf("invalid currency: %q", got)
	}
}

func BenchmarkMoney(b *testing.B) {
	l := MustLoad().Locale("de")
	for i := range b.N {
		_ = l.Money(int64(i), "EUR")
	}
}

func BenchmarkMoneyCLDRFormatter(b *testing.B) {
	l := MustLoad().Locale("de")
	for i := range b.N {
		a, _ := currency.NewAmountFromInt64(int64(i), "EUR")
		_ = l.money.Format(a)
	}
}
