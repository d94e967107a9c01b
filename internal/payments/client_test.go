package payments

import "testing"

func TestAmounts(t *testing.T) {
	for minor, s := range map[int64]string{0: "0.00", 5: "0.05", 28561: "285.61", 100000: "1000.00", -250: "-2.50"} {
		if got := FormatAmount(minor); got != s {
			t.Errorf("FormatAmount(%d) = %q, want %q", minor, got, s)
		}
		if got, err := ParseAmount(s); err != nil || got != minor {
			t.Errorf("ParseAmount(%q) = %d, %v", s, got, err)
		}
	}
	if got, _ := ParseAmount("10.5"); got != 1050 {
		t.Errorf("ParseAmount(10.5) = %d", got)
	}
	for _, bad := range []string{"", "1.234", "abc", ".50", "1,00"} {
		if _, err := ParseAmount(bad); err == nil {
			t.Errorf("ParseAmount(%q) accepted", bad)
		}
	}
}

func TestCheckoutAllowed(t *testing.T) {
	hosts := []string{"www.mollie.com", "localhost:8080"}
	for u, want := range map[string]bool{
		"https://www.mollie.com/checkout/select-method/7UhSN1zuXS": true,
		"http://www.mollie.com/checkout/x":                         false, // plain HTTP only locally
		"https://evil.example/checkout":                            false,
		"https://www.mollie.com.evil.example/x":                    false,
		"https://user@www.mollie.com/x":                            false,
		"http://localhost:8080/_mollie/checkout/tr_1":              true,
		"javascript:alert(1)":                                      false,
	} {
		if got := CheckoutAllowed(u, hosts); got != want {
			t.Errorf("CheckoutAllowed(%q) = %v, want %v", u, got, want)
		}
	}
}
