package handlers

import (
	"bytes"
	"net/http"
	"strconv"

	"github.com/a-h/templ"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/i18n"
	"github.com/settle/settle/static"
	"github.com/settle/settle/views"
)

// langCookie remembers an explicit choice from the language switcher.
const langCookie = "settle_lang"

// page is what a rendered page needs to know beyond its view model.
type page struct {
	creditor   *ar.Creditor // brand and default language; nil for neutral pages
	debtorLang string       // the debtor's stored preference, if known
	signedIn   bool
	refresh    int       // seconds until the page reloads itself
	staff      *staffCtx // back-office pages: who is signed in
	assisted   bool      // a debtor session an agent opened (assist mode)
}

// language picks the page language: an explicit choice (?lang= from the
// switcher, then the cookie it sets) first, then the debtor's stored
// preference, then the browser's Accept-Language, then the creditor's
// default. An explicit choice wins over the stored preference so that the
// switcher always works, also before the debtor is known.
func (s *Server) language(w http.ResponseWriter, r *http.Request, p page) string {
	if q := r.URL.Query().Get("lang"); i18n.Supported(q) {
		http.SetCookie(w, &http.Cookie{Name: langCookie, Value: q, Path: "/", MaxAge: 365 * 24 * 3600,
			HttpOnly: true, Secure: s.Secure, SameSite: http.SameSiteLaxMode})
		return q
	}
	if c, err := r.Cookie(langCookie); err == nil && i18n.Supported(c.Value) {
		return c.Value
	}
	if i18n.Supported(p.debtorLang) {
		return p.debtorLang
	}
	if l := s.Catalog.MatchAcceptLanguage(r.Header.Get("Accept-Language")); l != "" {
		return l
	}
	if p.creditor != nil && i18n.Supported(p.creditor.DefaultLanguage) {
		return p.creditor.DefaultLanguage
	}
	return i18n.Languages[0]
}

func brandOf(c *ar.Creditor) *views.Brand {
	if c == nil {
		return nil
	}
	b := &views.Brand{
		Name: c.Name, PrimaryColor: c.PrimaryColor, AccentColor: c.AccentColor,
		SupportPhone: c.SupportPhone, SupportEmail: c.SupportEmail, SupportHours: c.SupportHours,
		LegalFooter: c.LegalFooter, Address: c.Address,
	}
	if c.HasLogo {
		// The version makes a new logo a new URL: browsers keep a logo
		// for an hour (brandLogo's Cache-Control).
		b.LogoURL = "/brand/" + c.Slug + "/logo"
		if c.LogoVersion > 0 {
			b.LogoURL += "?v=" + strconv.FormatInt(c.LogoVersion, 10)
		}
	}
	return b
}

// render renders a component into a buffer first, so that an error never
// leaves half a page, then writes it with the status.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, p page, c templ.Component) error {
	env := &views.Env{
		Loc:      s.Catalog.Locale(s.language(w, r, p)),
		Brand:    brandOf(p.creditor),
		Path:     r.URL.Path,
		SignedIn: p.signedIn,
		Static:   static.URL,
		Refresh:  p.refresh,
		Staff:    staffEnv(p.staff),
		Assisted: p.assisted,
	}
	var buf bytes.Buffer
	if err := c.Render(views.WithEnv(r.Context(), env), &buf); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

// redirect answers a POST (or a guard) with 303 See Other.
func redirect(w http.ResponseWriter, r *http.Request, to string) error {
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}
