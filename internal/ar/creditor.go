package ar

import (
	"regexp"
	"sync"
	"time"
)

// StepUp is how a debtor proves who they are before seeing details.
type StepUp string

// The step-up methods a creditor can configure.
const (
	StepUpNone      StepUp = "none"      // the link alone shows everything
	StepUpKnowledge StepUp = "knowledge" // postcode or date of birth
	StepUpOTP       StepUp = "otp"       // a one-time code to the email or phone on file
)

// Knowledge is the fact asked for by StepUpKnowledge.
type Knowledge string

// The facts a knowledge step-up can ask for.
const (
	KnowPostcode  Knowledge = "postcode"
	KnowBirthDate Knowledge = "birth_date"
)

// Creditor is a tenant: the company whose customers use the portal.
type Creditor struct {
	ID              int64         `db:"id"`
	Slug            string        `db:"slug"`
	Name            string        `db:"name"`
	LegalName       string        `db:"legal_name"`
	Address         string        `db:"address"`
	SupportPhone    string        `db:"support_phone"`
	SupportEmail    string        `db:"support_email"`
	SupportHours    string        `db:"support_hours"`
	LegalFooter     string        `db:"legal_footer"`
	PrimaryColor    string        `db:"primary_color"`
	AccentColor     string        `db:"accent_color"`
	HasLogo         bool          `db:"has_logo"`
	LogoVersion     int64         `db:"logo_version"` // raised by every change of the logo
	DefaultLanguage string        `db:"default_language"`
	Timezone        string        `db:"timezone"`
	Currency        string        `db:"currency"`
	StepUp          StepUp        `db:"stepup_method"`
	StepUpKnowledge Knowledge     `db:"stepup_knowledge"`
	LinkTTL         time.Duration `db:"-"`
	LinkTTLSeconds  int64         `db:"link_ttl_seconds"`
	CreatedAt       time.Time     `db:"created_at"`
	// The account debtors can transfer to.
	BankHolder string `db:"bank_holder"`
	BankIBAN   string `db:"bank_iban"`
	BankBIC    string `db:"bank_bic"`
}

// TransferReference is the structured (ISO 11649) reference a debtor
// uses on a bank transfer, so the creditor can match it: RF + check digits
// + the customer number's letters and digits.
func TransferReference(customerNumber string) string {
	var b []rune
	for _, r := range customerNumber {
		if r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' {
			b = append(b, r)
		}
	}
	if len(b) > 21 {
		b = b[len(b)-21:]
	}
	ref, err := CreditorReference(string(b))
	if err != nil {
		return ""
	}
	return ref
}

var (
	slugRE  = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)
	colorRE = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)
)

// ValidSlug reports whether s can be a creditor slug.
func ValidSlug(s string) bool { return slugRE.MatchString(s) }

// ValidColor reports whether s is a #rrggbb colour, the only form brand
// colours take (they are written into CSS).
func ValidColor(s string) bool { return colorRE.MatchString(s) }

// Location returns the creditor's time zone, UTC if it is unknown.
func (c *Creditor) Location() *time.Location { return Zone(c.Timezone) }

// zones caches time.LoadLocation, which reads the zone's file every time
// (several times on every debtor page otherwise).
var zones sync.Map // name → *time.Location

// Zone is the time zone with an IANA name, UTC if it is unknown.
func Zone(name string) *time.Location {
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC // unknown names are not cached: they cannot grow the map
	}
	zones.Store(name, loc)
	return loc
}

// Today is the civil date at instant now in the creditor's time zone,
// as midnight UTC.
func (c *Creditor) Today(now time.Time) time.Time {
	return CivilDate(now.In(c.Location()))
}

// CivilDate drops the clock and zone of t, keeping its calendar day as
// midnight UTC.
func CivilDate(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
