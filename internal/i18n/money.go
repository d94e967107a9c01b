package i18n

import (
	"strconv"
	"strings"
	"sync"

	"github.com/bojanz/currency"
)

// moneyPattern is how a locale writes amounts of one currency, learnt
// once from the CLDR formatter (github.com/bojanz/currency): its Format
// builds a strings.Replacer on every call, a quarter of all bytes a
// statement page allocated. Money applies the pattern itself; a property
// test checks it against the formatter over many amounts.
type moneyPattern struct {
	digits            int
	group, decimal    string
	prefix, suffix    string // positive
	nPrefix, nSuffix  string // negative
	ok                bool   // false: use the formatter (an unusual pattern)
	groupSize, minGrp int    // digits per group; digits before grouping starts
}

// patterns caches moneyPattern by locale and currency.
var patterns sync.Map // lang + "/" + code → *moneyPattern

// sample is 1,234,567 with every fraction digit 8: no digit 8 or 9 appears
// in the integer part, so separators are easy to tell apart.
func learn(f *currency.Formatter, code string) *moneyPattern {
	d, _ := currency.GetDigits(code)
	p := &moneyPattern{digits: int(d), groupSize: 3}
	frac := strings.Repeat("8", p.digits)
	num := "1234567"
	if p.digits > 0 {
		num += "." + frac
	}
	pos, err := currency.NewAmount(num, code)
	if err != nil {
		return p
	}
	neg, _ := pos.Mul("-1")
	split := func(s string) (prefix, body, suffix string, ok bool) {
		first := strings.IndexAny(s, "0123456789")
		last := strings.LastIndexAny(s, "0123456789")
		if first < 0 {
			return "", "", "", false
		}
		return s[:first], s[first : last+1], s[last+1:], true
	}
	pp, body, ps, ok1 := split(f.Format(pos))
	np, nbody, ns, ok2 := split(f.Format(neg))
	if !ok1 || !ok2 || body != nbody {
		return p
	}
	// body is like 1.234.567,88 or 1,234,567.88 (or 1234567 for 0 digits).
	want := num
	if p.digits > 0 {
		want = strings.TrimSuffix(want, "."+frac)
		if !strings.HasSuffix(body, frac) {
			return p
		}
		intPart := strings.TrimSuffix(body, frac)
		// The decimal separator is what precedes the fraction.
		i := len(intPart) - 1
		for i >= 0 && !(intPart[i] >= '0' && intPart[i] <= '7') {
			i--
		}
		p.decimal = intPart[i+1:]
		body = intPart[:i+1]
	}
	// body is now the grouped integer part: 1.234.567 or 1,234,567.
	if len(body) > len(want) {
		p.group = body[1:strings.IndexByte(body, '2')]
	}
	if strings.ReplaceAll(body, p.group, "") != want && p.group != "" || (p.group == "" && body != want) {
		return p
	}
	p.prefix, p.suffix, p.nPrefix, p.nSuffix = pp, ps, np, ns
	p.minGrp = 4 // CLDR "minimumGroupingDigits" 1: 1234 is grouped; checked by the test
	p.ok = true
	return p
}

// format writes minor units of the pattern's currency.
func (p *moneyPattern) format(minor int64) string {
	neg := minor < 0
	u := uint64(minor)
	if neg {
		u = uint64(-minor)
	}
	digits := strconv.FormatUint(u, 10)
	if len(digits) <= p.digits {
		digits = strings.Repeat("0", p.digits-len(digits)+1) + digits
	}
	intPart, frac := digits[:len(digits)-p.digits], digits[len(digits)-p.digits:]
	var b strings.Builder
	b.Grow(len(digits) + 16)
	if neg {
		b.WriteString(p.nPrefix)
	} else {
		b.WriteString(p.prefix)
	}
	if p.group == "" || len(intPart) < p.minGrp {
		b.WriteString(intPart)
	} else {
		first := len(intPart) % p.groupSize
		if first == 0 {
			first = p.groupSize
		}
		b.WriteString(intPart[:first])
		for i := first; i < len(intPart); i += p.groupSize {
			b.WriteString(p.group)
			b.WriteString(intPart[i : i+p.groupSize])
		}
	}
	if p.digits > 0 {
		b.WriteString(p.decimal)
		b.WriteString(frac)
	}
	if neg {
		b.WriteString(p.nSuffix)
	} else {
		b.WriteString(p.suffix)
	}
	return b.String()
}
