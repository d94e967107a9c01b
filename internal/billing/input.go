package billing

import (
	"encoding/json"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/settle/settle/internal/ar"
)

// Size limits of API input.
const (
	maxName    = 200
	maxText    = 500
	maxLines   = 500
	maxNumber  = 64
	maxAmount  = 1_000_000_000_00 // one billion in minor units
	maxQtyMill = 1_000_000_000    // one million units
)

// DebtorInput is a debtor as the API takes it (PUT replaces it whole).
type DebtorInput struct {
	Name      string `json:"name"`
	Kind      string `json:"kind,omitempty"`
	Email     string `json:"email,omitempty"`
	Phone     string `json:"phone,omitempty"`
	Street    string `json:"street,omitempty"`
	Postcode  string `json:"postcode,omitempty"`
	City      string `json:"city,omitempty"`
	Country   string `json:"country,omitempty"`
	BirthDate string `json:"birth_date,omitempty"`
	// Language, PreferredChannel and Hardship left out keep what the
	// debtor chose in the portal (or staff set) when the debtor exists;
	// a new debtor gets the creditor's language, email and false.
	Language         string `json:"language,omitempty"`
	PreferredChannel string `json:"preferred_channel,omitempty"`
	Segment          string `json:"segment,omitempty"`
	Hardship         *bool  `json:"hardship,omitempty"`
}

func text(v *ar.Invalids, field, s string, max int, required bool) string {
	s = strings.TrimSpace(s)
	switch {
	case required && s == "":
		v.Add(field, "error.api.required", nil)
	case !utf8.ValidString(s):
		v.Add(field, "error.api.utf8", nil)
	case utf8.RuneCountInString(s) > max:
		v.Add(field, "error.api.too_long", map[string]any{"Max": max})
	case strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 && r != '\n' && r != '\t' || r == 0x7f }):
		v.Add(field, "error.api.control_chars", nil)
	}
	return s
}

func date(v *ar.Invalids, field, s string, required bool) time.Time {
	if s == "" {
		if required {
			v.Add(field, "error.api.required", nil)
		}
		return time.Time{}
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		v.Add(field, "error.api.date", nil)
	}
	return t
}

func oneOf(v *ar.Invalids, field, s, def string, allowed ...string) string {
	if s == "" {
		return def
	}
	for _, a := range allowed {
		if s == a {
			return s
		}
	}
	v.Add(field, "error.api.one_of", map[string]any{"Allowed": strings.Join(allowed, ", ")})
	return def
}

// ValidNumber reports whether s can be a customer or invoice number:
// 1–64 characters of letters, digits and . _ - / (it appears in URLs).
func ValidNumber(s string) bool {
	if s == "" || len(s) > maxNumber {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-", r)) {
			return false
		}
	}
	return true
}

// Debtor validates the input and returns the debtor it describes.
func (in DebtorInput) Debtor(creditorID int64, number string, today time.Time) (*ar.Debtor, error) {
	var v ar.Invalids
	if !ValidNumber(number) {
		v.Add("customer_number", "error.api.number", nil)
	}
	d := &ar.Debtor{CreditorID: creditorID, CustomerNumber: number}
	d.Name = text(&v, "name", in.Name, maxName, true)
	d.Kind = oneOf(&v, "kind", in.Kind, "consumer", "consumer", "business")
	d.Email = text(&v, "email", in.Email, 254, false)
	if d.Email != "" {
		if a, err := mail.ParseAddress(d.Email); err != nil || a.Address != d.Email {
			v.Add("email", "error.api.email", nil)
		}
	}
	d.Phone = text(&v, "phone", in.Phone, 32, false)
	if d.Phone != "" {
		if n := NormalizePhone(d.Phone); n == "" {
			v.Add("phone", "error.api.phone", nil)
		} else {
			d.Phone = n
		}
	}
	d.Street = text(&v, "street", in.Street, maxName, false)
	d.Postcode = text(&v, "postcode", in.Postcode, 16, false)
	d.City = text(&v, "city", in.City, maxName, false)
	d.Country = strings.ToUpper(text(&v, "country", in.Country, 2, false))
	if d.Country == "" {
		d.Country = "DE"
	} else if len(d.Country) != 2 || strings.Trim(d.Country, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		v.Add("country", "error.api.country", nil)
	}
	if bd := date(&v, "birth_date", in.BirthDate, false); !bd.IsZero() {
		if bd.After(today) || bd.Year() < 1900 {
			v.Add("birth_date", "error.api.birth_date", nil)
		}
		d.BirthDate = &bd
	}
	d.Language = oneOf(&v, "language", in.Language, "", "de", "en")
	d.PreferredChannel = oneOf(&v, "preferred_channel", in.PreferredChannel, "email", "email", "sms", "letter")
	d.Segment = text(&v, "segment", in.Segment, 64, false)
	if in.Hardship != nil {
		d.Hardship = *in.Hardship
	}
	return d, v.Err()
}

// NormalizePhone turns a phone number as people write it into E.164
// (+4915112345678): German national numbers (0151 …) get +49; "00" becomes
// "+". It returns "" for anything that is not a phone number.
func NormalizePhone(s string) string {
	var b strings.Builder
	for i, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '/' || r == '(' || r == ')' || r == '.':
		default:
			return ""
		}
	}
	n := b.String()
	switch {
	case strings.HasPrefix(n, "+"):
	case strings.HasPrefix(n, "00"):
		n = "+" + n[2:]
	case strings.HasPrefix(n, "0"):
		n = "+49" + n[1:]
	default:
		return ""
	}
	if len(n) < 8 || len(n) > 16 {
		return ""
	}
	return n
}

// LineInput is one invoice line as the API takes it. Quantity is a
// decimal with at most three places (a JSON number or string); amounts
// are minor units; the tax rate is in basis points (19 % = 1900). The
// line's net, tax and total may be given; if so they must match.
type LineInput struct {
	Description    string      `json:"description"`
	Quantity       json.Number `json:"quantity"`
	UnitPriceMinor *int64      `json:"unit_price_minor"`
	TaxRateBP      *int        `json:"tax_rate_bp"`
	NetMinor       *int64      `json:"net_minor,omitempty"`
	TaxMinor       *int64      `json:"tax_minor,omitempty"`
	TotalMinor     *int64      `json:"total_minor,omitempty"`
}

// InvoiceInput is an invoice as the API takes it.
type InvoiceInput struct {
	CustomerNumber string      `json:"customer_number"`
	IssueDate      string      `json:"issue_date"`
	DueDate        string      `json:"due_date"`
	Currency       string      `json:"currency"`
	Description    string      `json:"description,omitempty"`
	Lines          []LineInput `json:"lines"`
	NetMinor       *int64      `json:"net_minor"`
	TaxMinor       *int64      `json:"tax_minor"`
	TotalMinor     *int64      `json:"total_minor"`
}

// ParseQuantity reads a decimal with at most three places into
// thousandths.
func ParseQuantity(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(frac) > 3 || strings.Trim(whole, "0123456789") != "" || strings.Trim(frac, "0123456789") != "" || len(whole) > 9 {
		return 0, false
	}
	var n int64
	for _, r := range whole {
		n = n*10 + int64(r-'0')
	}
	frac += strings.Repeat("0", 3-len(frac))
	var f int64
	for _, r := range frac {
		f = f*10 + int64(r-'0')
	}
	n = n*1000 + f
	if neg {
		n = -n
	}
	return n, true
}

func amount(v *ar.Invalids, field string, p *int64, required bool) int64 {
	if p == nil {
		if required {
			v.Add(field, "error.api.required", nil)
		}
		return 0
	}
	if *p > maxAmount || *p < -maxAmount {
		v.Add(field, "error.api.amount_range", nil)
	}
	return *p
}

// Invoice validates the input and returns the invoice it describes,
// with the debtor left to the caller (DebtorID 0).
func (in InvoiceInput) Invoice(creditorID int64, number string) (*ar.Invoice, error) {
	var v ar.Invalids
	if !ValidNumber(number) {
		v.Add("invoice_number", "error.api.number", nil)
	}
	if !ValidNumber(in.CustomerNumber) {
		v.Add("customer_number", "error.api.number", nil)
	}
	inv := &ar.Invoice{CreditorID: creditorID, Number: number}
	inv.IssueDate = date(&v, "issue_date", in.IssueDate, true)
	inv.DueDate = date(&v, "due_date", in.DueDate, true)
	if !inv.IssueDate.IsZero() && !inv.DueDate.IsZero() && inv.DueDate.Before(inv.IssueDate) {
		v.Add("due_date", "error.api.due_before_issue", nil)
	}
	inv.Currency = in.Currency
	if !ar.ValidCurrency(in.Currency) {
		v.Add("currency", "error.api.currency", nil)
	}
	inv.Description = text(&v, "description", in.Description, maxText, false)
	if len(in.Lines) > maxLines {
		v.Add("lines", "error.api.too_many", map[string]any{"Max": maxLines})
	}
	var net, tax, total int64
	for i, l := range in.Lines {
		if i >= maxLines {
			break
		}
		f := func(name string) string { return "lines[" + strconv.Itoa(i) + "]." + name }
		line := ar.InvoiceLine{Position: i + 1}
		line.Description = text(&v, f("description"), l.Description, maxText, true)
		q, ok := ParseQuantity(l.Quantity.String())
		if !ok || q > maxQtyMill || q < -maxQtyMill {
			v.Add(f("quantity"), "error.api.quantity", nil)
		}
		line.QuantityMilli = q
		line.UnitPriceMinor = amount(&v, f("unit_price_minor"), l.UnitPriceMinor, true)
		if l.TaxRateBP == nil {
			v.Add(f("tax_rate_bp"), "error.api.required", nil)
		} else if *l.TaxRateBP < 0 || *l.TaxRateBP > 10000 {
			v.Add(f("tax_rate_bp"), "error.api.tax_rate", nil)
		} else {
			line.TaxRateBP = *l.TaxRateBP
		}
		line.NetMinor, line.TaxMinor, line.TotalMinor = ar.LineAmounts(line.QuantityMilli, line.UnitPriceMinor, line.TaxRateBP)
		for _, c := range []struct {
			name string
			got  *int64
			want int64
		}{{"net_minor", l.NetMinor, line.NetMinor}, {"tax_minor", l.TaxMinor, line.TaxMinor}, {"total_minor", l.TotalMinor, line.TotalMinor}} {
			if c.got != nil && *c.got != c.want {
				v.Add(f(c.name), "error.api.line_mismatch", map[string]any{"Expected": c.want})
			}
		}
		net, tax, total = net+line.NetMinor, tax+line.TaxMinor, total+line.TotalMinor
		inv.Lines = append(inv.Lines, line)
	}
	inv.NetMinor = amount(&v, "net_minor", in.NetMinor, true)
	inv.TaxMinor = amount(&v, "tax_minor", in.TaxMinor, true)
	inv.TotalMinor = amount(&v, "total_minor", in.TotalMinor, true)
	if in.TotalMinor != nil && in.NetMinor != nil && in.TaxMinor != nil && inv.TotalMinor != inv.NetMinor+inv.TaxMinor {
		v.Add("total_minor", "error.api.total_not_sum", nil)
	}
	if len(inv.Lines) > 0 {
		for _, c := range []struct {
			name      string
			got, want int64
			given     bool
		}{{"net_minor", inv.NetMinor, net, in.NetMinor != nil}, {"tax_minor", inv.TaxMinor, tax, in.TaxMinor != nil}, {"total_minor", inv.TotalMinor, total, in.TotalMinor != nil}} {
			if c.given && c.got != c.want {
				v.Add(c.name, "error.api.totals_mismatch", map[string]any{"Expected": c.want})
			}
		}
	}
	if inv.TotalMinor <= 0 && in.TotalMinor != nil {
		v.Add("total_minor", "error.api.amount_positive", nil)
	}
	return inv, v.Err()
}
