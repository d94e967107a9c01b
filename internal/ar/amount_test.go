package ar

import "testing"

func TestParseAmount(t *testing.T) {
	for in, want := range map[string]int64{"1234.56": 123456, "1.234,56": 123456, "1,234.56": 123456, "1234,56": 123456,
		"1 234,56": 123456, "0,5": 50, "12": 1200, "1.234": 123400, "1,234": 123400, "1.234.567,8": 123456780, "-3,10": -310} {
		if got, ok := ParseAmount(in); !ok || got != want {
			t.Errorf("%q = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "abc", "1,2,3", "1.234.56", "12.", ",5", "1,23456", "12.3.4", "1.2345,00", "1e5", "9999999999999"} {
		if got, ok := ParseAmount(bad); ok {
			t.Errorf("%q accepted as %d", bad, got)
		}
	}
}
