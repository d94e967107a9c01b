package ar

import (
	"strconv"
	"strings"
)

// ParseAmount reads a decimal amount with at most two places into minor
// units, as people and spreadsheets write it (the CSV import, and every
// amount typed into a form, through the handlers): 1234.56, 1.234,56, 1,234.56, 1234,56, 1 234,56, -12 and 0,5 are
// amounts; 1.234 and 1,234 are 1234 (three digits after the only
// separator are a thousands group).
func ParseAmount(s string) (int64, bool) {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\u00a0' || r == '\u202f' || r == '\'' {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac := s, ""
	var dec byte
	if i := strings.LastIndexAny(s, ".,"); i >= 0 {
		switch n := len(s) - i - 1; {
		case n == 1 || n == 2:
			whole, frac, dec = s[:i], s[i+1:], s[i]
		case n != 3:
			return 0, false
		}
	}
	if whole == "" || strings.Trim(frac, "0123456789") != "" {
		return 0, false
	}
	// Thousands groups: the separator that is not the decimal one, used
	// alike throughout, 1–3 digits first and then groups of three.
	if i := strings.IndexAny(whole, ".,"); i >= 0 {
		sep := whole[i]
		if sep == dec {
			return 0, false
		}
		groups := strings.Split(whole, string(sep))
		if len(groups[0]) < 1 || len(groups[0]) > 3 {
			return 0, false
		}
		for _, g := range groups[1:] {
			if len(g) != 3 {
				return 0, false
			}
		}
		whole = strings.Join(groups, "")
	}
	if len(whole) > 12 || strings.Trim(whole, "0123456789") != "" {
		return 0, false
	}
	frac += strings.Repeat("0", 2-len(frac))
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil {
		return 0, false
	}
	if neg {
		n = -n
	}
	return n, true
}
