package settings

import (
	"context"
	"net/mail"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/i18n"
	"github.com/settle/settle/internal/store"
)

// BrandForm is what an admin enters for the creditor's brand.
type BrandForm struct {
	Name            string // what debtors know the creditor as
	LegalName       string
	Address         string // several lines
	SupportPhone    string
	SupportEmail    string
	SupportHours    string
	LegalFooter     string // several lines
	PrimaryColor    string // #rrggbb
	AccentColor     string // #rrggbb
	DefaultLanguage string // de, en
	Logo            []byte // a new logo; nil: keep the logo
	RemoveLogo      bool   // remove the logo (ignored with a new one)
}

// Longest texts, in characters.
const (
	maxName    = 100
	maxLegal   = 200
	maxAddress = 500
	maxPhone   = 40
	maxEmail   = 254
	maxHours   = 200
	maxFooter  = 1000
)

var phoneRE = regexp.MustCompile(`^\+?[0-9 ()/.\-]+$`)

// Normalize trims the form as it will be stored: white space around
// every text and on every line of the multi-line ones, colours in lower
// case.
func (f *BrandForm) Normalize() {
	for _, p := range []*string{&f.Name, &f.LegalName, &f.SupportPhone, &f.SupportEmail, &f.SupportHours,
		&f.PrimaryColor, &f.AccentColor, &f.DefaultLanguage} {
		*p = strings.TrimSpace(*p)
	}
	f.Address, f.LegalFooter = lines(f.Address), lines(f.LegalFooter)
	f.PrimaryColor, f.AccentColor = strings.ToLower(f.PrimaryColor), strings.ToLower(f.AccentColor)
}

// lines trims every line of s and s itself, with \n as line ends.
func lines(s string) string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	ls := strings.Split(s, "\n")
	for i, l := range ls {
		ls[i] = strings.TrimSpace(l)
	}
	return strings.TrimSpace(strings.Join(ls, "\n"))
}

// control reports whether s has control characters (newlines allowed
// when multiLine).
func control(s string, multiLine bool) bool {
	return strings.ContainsFunc(s, func(r rune) bool {
		return (r < 0x20 && !(multiLine && r == '\n')) || r == 0x7f
	})
}

func digits(s string) int {
	n := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			n++
		}
	}
	return n
}

func trimmed(s string) string { return strings.TrimSpace(s) }

func tooLong(s string, max int) bool { return utf8.RuneCountInString(s) > max }

// Validate returns the form's field errors (ar.Invalids), and the logo's
// media type when there is a new logo.
func (f *BrandForm) Validate() (logoType string, err error) {
	var v ar.Invalids
	if f.Name == "" || tooLong(f.Name, maxName) || control(f.Name, false) {
		v.Add("name", "error.staff.settings.name", nil)
	}
	if tooLong(f.LegalName, maxLegal) || control(f.LegalName, false) {
		v.Add("legal_name", "error.staff.settings.legal_name", nil)
	}
	if tooLong(f.Address, maxAddress) || control(f.Address, true) {
		v.Add("address", "error.staff.settings.address", nil)
	}
	if f.SupportPhone != "" && (tooLong(f.SupportPhone, maxPhone) || !phoneRE.MatchString(f.SupportPhone) ||
		digits(f.SupportPhone) < 3) {
		v.Add("support_phone", "error.staff.settings.phone", nil)
	}
	if f.SupportEmail != "" {
		if a, err := mail.ParseAddress(f.SupportEmail); err != nil || a.Address != f.SupportEmail || len(f.SupportEmail) > maxEmail {
			v.Add("support_email", "error.staff.settings.email", nil)
		}
	}
	if tooLong(f.SupportHours, maxHours) || control(f.SupportHours, false) {
		v.Add("support_hours", "error.staff.settings.hours", nil)
	}
	if tooLong(f.LegalFooter, maxFooter) || control(f.LegalFooter, true) {
		v.Add("legal_footer", "error.staff.settings.footer", nil)
	}
	if !ar.ValidColor(f.PrimaryColor) {
		v.Add("primary_color", "error.staff.settings.color", nil)
	}
	if !ar.ValidColor(f.AccentColor) {
		v.Add("accent_color", "error.staff.settings.color", nil)
	}
	if !i18n.Supported(f.DefaultLanguage) {
		v.Add("default_language", "error.staff.settings.language", nil)
	}
	if f.Logo != nil {
		t, err := CheckLogo(f.Logo)
		if e, ok := ar.AsError(err); ok {
			v.Add(e.Field, e.Key, nil)
		} else if err != nil {
			return "", err
		}
		logoType = t
	}
	return logoType, v.Err()
}

// brandFields is what the audit log records of a brand: every text
// field, the colours, the language, and the logo's type and size.
func brandFields(b *store.Brand) map[string]any {
	return map[string]any{
		"display_name": b.Name, "legal_name": b.LegalName, "address": b.Address,
		"support_phone": b.SupportPhone, "support_email": b.SupportEmail, "support_hours": b.SupportHours,
		"legal_footer": b.LegalFooter, "primary_color": b.PrimaryColor, "accent_color": b.AccentColor,
		"default_language": b.DefaultLanguage, "logo_type": b.LogoType, "logo_size": b.LogoSize,
	}
}

// UpdateBrand checks and stores the creditor's brand and records what
// changed. changed is false when the form held what was stored already
// (nothing is written then, not even an audit entry).
func (s *Service) UpdateBrand(ctx context.Context, a Actor, f BrandForm) (changed bool, err error) {
	f.Normalize()
	logoType, err := f.Validate()
	if err != nil {
		return false, err
	}
	err = s.Store.InTx(ctx, func(tx *store.Store) error {
		old, err := tx.LockCreditorBrand(ctx, a.CreditorID)
		if err != nil {
			return err
		}
		next := *old
		next.Name, next.LegalName, next.Address = f.Name, f.LegalName, f.Address
		next.SupportPhone, next.SupportEmail, next.SupportHours = f.SupportPhone, f.SupportEmail, f.SupportHours
		next.LegalFooter, next.PrimaryColor, next.AccentColor = f.LegalFooter, f.PrimaryColor, f.AccentColor
		next.DefaultLanguage = f.DefaultLanguage
		newLogo := f.Logo != nil || (f.RemoveLogo && old.LogoType != "")
		if newLogo {
			next.LogoType, next.LogoSize = logoType, len(f.Logo)
		}
		before, after := changes(brandFields(old), brandFields(&next))
		if len(after) == 0 && !newLogo {
			return nil
		}
		changed = true
		if err := tx.UpdateCreditorBrand(ctx, a.CreditorID, &next); err != nil {
			return err
		}
		if newLogo {
			if err := tx.SetCreditorLogo(ctx, a.CreditorID, f.Logo, logoType); err != nil {
				return err
			}
			// The same type and size is still a new logo.
			before["logo_type"], before["logo_size"] = old.LogoType, old.LogoSize
			after["logo_type"], after["logo_size"] = next.LogoType, next.LogoSize
		}
		return a.audit(ctx, tx, "brand.updated", next.Name, before, after)
	})
	return changed, err
}

// changes keeps the fields whose values differ.
func changes(old, next map[string]any) (before, after map[string]any) {
	before, after = map[string]any{}, map[string]any{}
	for k, v := range next {
		if old[k] != v {
			before[k], after[k] = old[k], v
		}
	}
	return before, after
}
