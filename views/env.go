// Package views renders Settle's pages with templ. Components take a view
// model shaped like the page; cross-cutting values (the locale, the CSP
// nonce, the creditor's brand, whether someone is signed in) come from the
// request context through Env and the getters below. Views only render:
// they query nothing and change nothing.
package views

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/i18n"
)

// Env holds the request-scoped values every page needs.
type Env struct {
	Loc      *i18n.Locale
	Brand    *Brand // nil on pages that belong to no creditor
	Path     string // the current path, for the language switcher
	SignedIn bool   // a debtor session exists: show "sign out"
	Static   func(name string) string
	Refresh  int       // seconds until the page reloads itself (0: never)
	Staff    *StaffEnv // set on back-office pages with a staff session
	Assisted bool      // a debtor page an agent opened with the debtor (assist mode)
}

// StaffEnv is the signed-in staff member on back-office pages.
type StaffEnv struct {
	Email        string
	Role         string
	CreditorName string // the creditor being worked on ("" for none yet)
	Operator     bool   // an operator's admin: may switch creditors
	Can          func(perm string) bool
}

// Brand is a creditor's look and contacts.
type Brand struct {
	Name         string
	LogoURL      string // "" when the creditor has no logo
	PrimaryColor string // #rrggbb, validated
	AccentColor  string // #rrggbb, validated
	SupportPhone string
	SupportEmail string
	SupportHours string
	LegalFooter  string
	Address      string
}

type envKey struct{}

// WithEnv stores env in ctx.
func WithEnv(ctx context.Context, env *Env) context.Context {
	return context.WithValue(ctx, envKey{}, env)
}

func env(ctx context.Context) *Env {
	if e, ok := ctx.Value(envKey{}).(*Env); ok {
		return e
	}
	panic("views: no Env in context")
}

// T translates a message key in the request's language.
func T(ctx context.Context, id string, kv ...any) string { return env(ctx).Loc.T(id, kv...) }

// N translates a plural message.
func N(ctx context.Context, id string, count int, kv ...any) string {
	return env(ctx).Loc.N(id, count, kv...)
}

// Money formats minor units in the request's language.
func Money(ctx context.Context, minor int64, currency string) string {
	return env(ctx).Loc.Money(minor, currency)
}

// Date formats a civil date in the request's language.
func Date(ctx context.Context, t time.Time) string { return env(ctx).Loc.Date(t) }

// DateTime formats an instant with its time of day.
func DateTime(ctx context.Context, t time.Time) string { return env(ctx).Loc.DateTime(t) }

// DateLong formats a civil date with the month's name.
func DateLong(ctx context.Context, t time.Time) string { return env(ctx).Loc.DateLong(t) }

func lang(ctx context.Context) string             { return env(ctx).Loc.Lang }
func brand(ctx context.Context) *Brand            { return env(ctx).Brand }
func signedIn(ctx context.Context) bool           { return env(ctx).SignedIn }
func static(ctx context.Context, n string) string { return env(ctx).Static(n) }

// langURL is the current page in another language.
func langURL(ctx context.Context, l string) templ.SafeURL {
	return templ.URL(env(ctx).Path + "?lang=" + l)
}

// statusKey is the translation key of an invoice status.
func statusKey(s ar.Status) string { return "status." + string(s) }

// brandStyle is the creditor's colours as CSS custom properties. Colours
// are validated #rrggbb values, never free text.
func brandStyle(ctx context.Context) templ.Component {
	b := brand(ctx)
	primary, accent := "#1f4f8f", "#0b7a4b"
	if b != nil {
		if ar.ValidColor(b.PrimaryColor) {
			primary = b.PrimaryColor
		}
		if ar.ValidColor(b.AccentColor) {
			accent = b.AccentColor
		}
	}
	css := fmt.Sprintf(":root{--brand:%s;--brand-ink:%s;--on-brand:%s;--accent:%s;--accent-ink:%s;--on-accent:%s}",
		primary, inkOn(primary), onColor(primary), accent, inkOn(accent), onColor(accent))
	return templ.Raw(`<style nonce="` + templ.EscapeString(templ.GetNonce(ctx)) + `">` + css + `</style>`)
}

// luminance is the WCAG relative luminance of #rrggbb.
func luminance(hex string) float64 {
	ch := func(i int) float64 {
		v, _ := strconv.ParseUint(hex[i:i+2], 16, 8)
		c := float64(v) / 255
		if c <= 0.03928 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	return 0.2126*ch(1) + 0.7152*ch(3) + 0.0722*ch(5)
}

func contrast(a, b float64) float64 {
	if a < b {
		a, b = b, a
	}
	return (a + 0.05) / (b + 0.05)
}

// onColor picks white or near-black text, whichever reads better on bg.
func onColor(bg string) string {
	l := luminance(bg)
	if contrast(l, 1) >= contrast(l, luminance("#111111")) {
		return "#ffffff"
	}
	return "#111111"
}

// inkOn darkens c until it has 4.5:1 contrast on white, so brand colours
// can be used for text and borders without failing WCAG AA.
func inkOn(c string) string {
	r, _ := strconv.ParseUint(c[1:3], 16, 8)
	g, _ := strconv.ParseUint(c[3:5], 16, 8)
	b, _ := strconv.ParseUint(c[5:7], 16, 8)
	for i := 0; i < 40; i++ {
		hex := fmt.Sprintf("#%02x%02x%02x", r, g, b)
		if contrast(1, luminance(hex)) >= 4.6 {
			return hex
		}
		r, g, b = r*9/10, g*9/10, b*9/10
	}
	return "#111111"
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// telHref keeps the characters a tel: URL may hold.
func telHref(phone string) string {
	out := make([]rune, 0, len(phone))
	for _, r := range phone {
		if (r >= '0' && r <= '9') || r == '+' {
			out = append(out, r)
		}
	}
	return string(out)
}

// describedBy links an input to its hint and, if any, its error.
func describedBy(errKey, field string) string {
	if errKey != "" {
		return field + "-hint " + field + "-error"
	}
	return field + "-hint"
}

func ariaInvalid(errKey string) string {
	if errKey != "" {
		return "true"
	}
	return "false"
}

func refresh(ctx context.Context) int { return env(ctx).Refresh }

func staffEnv(ctx context.Context) *StaffEnv { return env(ctx).Staff }

func assisted(ctx context.Context) bool { return env(ctx).Assisted }

// can reports whether the signed-in staff member has a permission.
func can(ctx context.Context, perm string) bool {
	st := staffEnv(ctx)
	return st != nil && st.Can != nil && st.Can(perm)
}

// current marks the navigation link of the page being shown.
func current(ctx context.Context, prefix string) string {
	p := env(ctx).Path
	if p == prefix || (prefix != "/staff" && strings.HasPrefix(p, prefix+"/")) {
		return "page"
	}
	return ""
}
