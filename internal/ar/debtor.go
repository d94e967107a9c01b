package ar

import (
	"strings"
	"time"
	"unicode"
)

// Debtor is a creditor's customer.
type Debtor struct {
	ID               int64      `db:"id"`
	CreditorID       int64      `db:"creditor_id"`
	CustomerNumber   string     `db:"customer_number"`
	Kind             string     `db:"kind"` // consumer or business
	Name             string     `db:"name"`
	Email            string     `db:"email"`
	Phone            string     `db:"phone"`
	Street           string     `db:"street"`
	Postcode         string     `db:"postcode"`
	City             string     `db:"city"`
	Country          string     `db:"country"`
	BirthDate        *time.Time `db:"birth_date"`
	Language         string     `db:"language"` // "" when unknown
	PreferredChannel string     `db:"preferred_channel"`
	Segment          string     `db:"segment"`
	Hardship         bool       `db:"hardship"`

	// What the creditor says about the debtor's service (a blocked SIM,
	// reduced supply) and what restores it.
	ServiceStatus       ServiceStatus `db:"service_status"`
	ServiceRestoreMinor *int64        `db:"service_restore_minor"`
	ServiceNote         string        `db:"service_note"`
	ServiceChangedAt    *time.Time    `db:"service_changed_at"`
	ServiceRestorableAt *time.Time    `db:"service_restorable_at"`
}

// ServiceStatus is the state of the service the creditor provides.
type ServiceStatus string

// Service states.
const (
	ServiceActive     ServiceStatus = "active"
	ServiceRestricted ServiceStatus = "restricted"
	ServiceSuspended  ServiceStatus = "suspended"
)

// Restricted reports whether the service is limited in any way.
func (d *Debtor) Restricted() bool {
	return d.ServiceStatus == ServiceRestricted || d.ServiceStatus == ServiceSuspended
}

// RestoreAmount is what the debtor must pay to have the service
// restored: the amount the creditor named, or else everything overdue.
func (d *Debtor) RestoreAmount(s Summary) int64 {
	if d.ServiceRestoreMinor != nil {
		return *d.ServiceRestoreMinor
	}
	return s.OverdueMinor
}

// NormalizePostcode makes postcodes comparable: no spaces or dashes,
// upper case ("sw1a 1aa" and "SW1A1AA" are the same).
func NormalizePostcode(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsSpace(r) || r == '-' {
			continue
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}

// MaskEmail shows enough of an address for the owner to recognise it and
// little to anyone else: "jana.schulz@example.de" → "j•••@example.de".
func MaskEmail(s string) string {
	at := strings.LastIndexByte(s, '@')
	if at < 1 {
		return "•••"
	}
	r := []rune(s[:at])
	return string(r[0]) + "•••" + s[at:]
}

// MaskPhone keeps the last two digits: "+49 170 1234567" → "•••67".
func MaskPhone(s string) string {
	var digits []rune
	for _, r := range s {
		if r >= '0' && r <= '9' {
			digits = append(digits, r)
		}
	}
	if len(digits) < 4 {
		return "•••"
	}
	return "•••" + string(digits[len(digits)-2:])
}
