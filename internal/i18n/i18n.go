// Package i18n turns message keys, amounts and dates into text in the
// debtor's or staff member's language. It wraps go-i18n (messages and
// plural rules from locales/) and bojanz/currency (money per CLDR).
package i18n

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"time"

	"github.com/bojanz/currency"
	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"github.com/settle/settle/locales"
)

// Languages are the supported languages, in the order the switcher shows
// them. The first is the fallback.
var Languages = []string{"de", "en"}

// Supported reports whether lang is one of Languages.
func Supported(lang string) bool {
	for _, l := range Languages {
		if l == lang {
			return true
		}
	}
	return false
}

// Catalog holds every language's messages and formatters.
type Catalog struct {
	bundle  *goi18n.Bundle
	matcher language.Matcher
	locales map[string]*Locale
}

// Load reads the embedded message files.
func Load() (*Catalog, error) {
	tags := make([]language.Tag, len(Languages))
	for i, l := range Languages {
		tags[i] = language.Make(l)
	}
	b := goi18n.NewBundle(tags[0])
	b.RegisterUnmarshalFunc("json", json.Unmarshal)
	files, err := fs.Glob(locales.FS, "*.json")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		data, err := fs.ReadFile(locales.FS, f)
		if err != nil {
			return nil, err
		}
		if _, err := b.ParseMessageFileBytes(data, f); err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", f, err)
		}
	}
	c := &Catalog{bundle: b, matcher: language.NewMatcher(tags), locales: map[string]*Locale{}}
	for _, l := range Languages {
		c.locales[l] = &Locale{
			Lang:  l,
			loc:   goi18n.NewLocalizer(b, l),
			money: currency.NewFormatter(currency.NewLocale(l)),
		}
	}
	return c, nil
}

// MustLoad is Load for program start and tests.
func MustLoad() *Catalog {
	c, err := Load()
	if err != nil {
		panic(err)
	}
	return c
}

// Locale returns the locale for lang, or the fallback language's.
func (c *Catalog) Locale(lang string) *Locale {
	if l, ok := c.locales[lang]; ok {
		return l
	}
	return c.locales[Languages[0]]
}

// MatchAcceptLanguage picks the supported language that best fits an
// Accept-Language header, or "" when none fits at least loosely.
func (c *Catalog) MatchAcceptLanguage(header string) string {
	if header == "" {
		return ""
	}
	tags, _, err := language.ParseAcceptLanguage(header)
	if err != nil || len(tags) == 0 {
		return ""
	}
	_, idx, conf := c.matcher.Match(tags...)
	if conf < language.High {
		return ""
	}
	return Languages[idx]
}

// Locale renders text in one language.
type Locale struct {
	Lang  string
	loc   *goi18n.Localizer
	money *currency.Formatter
	plain sync.Map // id → text of messages asked for without data (the catalog never changes)
}

// T translates the message id. kv are template data as key, value pairs:
// T("page.invoice.title", "Number", n).
func (l *Locale) T(id string, kv ...any) string {
	if len(kv) > 0 {
		return l.localize(id, nil, kv)
	}
	// Most texts of a page are plain: translate each once per process
	// (go-i18n runs a template every time).
	if s, ok := l.plain.Load(id); ok {
		return s.(string)
	}
	s := l.localize(id, nil, nil)
	if s != id { // only known ids: the cache cannot grow with unknown ones
		l.plain.Store(id, s)
	}
	return s
}

// Has reports whether the catalog has a message id (for texts chosen by
// data, such as timeline kinds, that fall back to something else).
func (l *Locale) Has(id string) bool {
	_, err := l.loc.Localize(&goi18n.LocalizeConfig{MessageID: id})
	return err == nil
}

// N translates a plural message for count; the template sees .Count and
// kv.
func (l *Locale) N(id string, count int, kv ...any) string {
	return l.localize(id, count, append(kv, "Count", count))
}

func (l *Locale) localize(id string, count any, kv []any) string {
	var data map[string]any
	if len(kv) > 0 {
		data = make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			data[fmt.Sprint(kv[i])] = kv[i+1]
		}
	}
	s, err := l.loc.Localize(&goi18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: count})
	if err != nil {
		return id // a missing key shows as itself; TestCatalogComplete keeps that from shipping
	}
	return s
}

// Money formats an amount in minor units: "1.234,50 €" in German,
// "€1,234.50" in English.
func (l *Locale) Money(minor int64, currencyCode string) string {
	if currency.IsValid(currencyCode) {
		key := l.Lang + "/" + currencyCode
		v, ok := patterns.Load(key)
		if !ok {
			v, _ = patterns.LoadOrStore(key, learn(l.money, currencyCode))
		}
		if p := v.(*moneyPattern); p.ok {
			return p.format(minor)
		}
	}
	a, err := currency.NewAmountFromInt64(minor, currencyCode)
	if err != nil {
		return fmt.Sprintf("%d %s", minor, currencyCode)
	}
	return l.money.Format(a)
}

// Date formats a civil date briefly: 23.11.2026 or 23 Nov 2026.
func (l *Locale) Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if l.Lang == "de" {
		return t.Format("02.01.2006")
	}
	return t.Format("2 Jan 2006")
}

// DateTime formats an instant (already in the zone to show) with its
// time of day: 23.11.2026 14:05 or 23 Nov 2026, 14:05.
func (l *Locale) DateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if l.Lang == "de" {
		return t.Format("02.01.2006 15:04")
	}
	return t.Format("2 Jan 2006, 15:04")
}

// DateLong formats a civil date with the month's name: "23. November 2026"
// or "23 November 2026".
func (l *Locale) DateLong(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	month := l.T(fmt.Sprintf("month.%d", int(t.Month())))
	if l.Lang == "de" {
		return fmt.Sprintf("%d. %s %d", t.Day(), month, t.Year())
	}
	return fmt.Sprintf("%d %s %d", t.Day(), month, t.Year())
}

// Percent formats a rate in basis points: 1900 → "19 %" (de) or "19%".
func (l *Locale) Percent(bp int) string {
	s := trimZeros(fmt.Sprintf("%d.%02d", bp/100, bp%100))
	if l.Lang == "de" {
		return strings.Replace(s, ".", ",", 1) + "\u00a0%"
	}
	return s + "%"
}

// Quantity formats a quantity in thousandths: 1500 → "1,5" (de) or "1.5".
func (l *Locale) Quantity(milli int64) string {
	s := fmt.Sprintf("%d", milli/1000)
	if frac := milli % 1000; frac != 0 {
		if frac < 0 {
			frac = -frac
		}
		s = trimZeros(fmt.Sprintf("%s.%03d", s, frac))
	}
	if l.Lang == "de" {
		return strings.Replace(s, ".", ",", 1)
	}
	return s
}

func trimZeros(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// Text translates key in lang; it lets services render messages (emails,
// SMS) without knowing about locales.
func (c *Catalog) Text(lang, key string, kv ...any) string {
	return c.Locale(lang).T(key, kv...)
}

// Money formats an amount in a language (for messages).
func (c *Catalog) Money(lang string, minor int64, currencyCode string) string {
	return c.Locale(lang).Money(minor, currencyCode)
}
