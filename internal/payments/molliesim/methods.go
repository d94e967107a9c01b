package molliesim

import (
	"bytes"
	"fmt"
	"html"
	"image"
	"image/color"
	"image/png"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Method is a payment method enabled on the simulated profile.
type Method struct {
	// ID is Mollie's method id ("ideal", "creditcard", "paypal",
	// "banktransfer", "klarna", "directdebit", …): lower-case letters and
	// digits only.
	ID string
	// Description is the method's name by language ("en", "de", …);
	// "en" is the fallback.
	Description map[string]string
	// Minimum and Maximum are the amount limits as Mollie value strings in
	// EUR ("0.01", "50000.00"); "" means 0.01 and no maximum. The
	// simulator applies the same numbers to other currencies (no FX).
	Minimum, Maximum string
	// Currencies the method accepts; nil means EUR only.
	Currencies []string
	// Countries limits the method to these billing countries (ISO 3166-1
	// alpha-2) in the Methods API when billingCountry is given; nil: all.
	Countries []string
	// OneOff, First and Recurring say for which sequence types the method
	// is offered: a regular payment in the checkout, a first payment that
	// creates a mandate, a recurring charge on a mandate of this method.
	OneOff, First, Recurring bool
	// Expiry is how long an open payment with this method lives (Mollie:
	// iDEAL 15 min, cards 30 min, PayPal 3 h, Klarna 48 h, bank transfer
	// 12 days); 0 means 15 minutes.
	Expiry time.Duration
	// Color ("#RRGGBB") and Label are used for the simulator's icons.
	Color, Label string
}

// DefaultMethods returns the methods the simulated profile has enabled
// when Options.Methods is nil. Limits and expiry times follow Mollie's
// published defaults (they differ per account in reality).
func DefaultMethods() []Method {
	multi := []string{"EUR", "USD", "GBP", "CHF", "DKK", "NOK", "SEK", "PLN", "CZK"}
	return []Method{
		{ID: "ideal", Description: map[string]string{"en": "iDEAL", "de": "iDEAL"},
			Minimum: "0.01", Maximum: "50000.00", OneOff: true, First: true,
			Expiry: 15 * time.Minute, Color: "#CC0066", Label: "iDEAL"},
		{ID: "creditcard", Description: map[string]string{"en": "Credit card", "de": "Kreditkarte"},
			Minimum: "0.01", Maximum: "10000.00", Currencies: multi, OneOff: true, First: true, Recurring: true,
			Expiry: 30 * time.Minute, Color: "#1A1F71", Label: "CARD"},
		{ID: "paypal", Description: map[string]string{"en": "PayPal", "de": "PayPal"},
			Minimum: "0.01", Maximum: "10000.00", Currencies: multi, OneOff: true, First: true, Recurring: true,
			Expiry: 3 * time.Hour, Color: "#003087", Label: "PayPal"},
		{ID: "banktransfer", Description: map[string]string{"en": "Bank transfer", "de": "Überweisung"},
			Minimum: "0.01", Maximum: "1000000.00", OneOff: true,
			Expiry: 12 * 24 * time.Hour, Color: "#2E7D32", Label: "BANK"},
		{ID: "klarna", Description: map[string]string{"en": "Pay with Klarna", "de": "Mit Klarna bezahlen"},
			Minimum: "1.00", Maximum: "5000.00", OneOff: true,
			Countries: []string{"AT", "BE", "DE", "DK", "FI", "NL", "NO", "SE"},
			Expiry:    48 * time.Hour, Color: "#FFB3C7", Label: "Klarna"},
		{ID: "directdebit", Description: map[string]string{"en": "SEPA Direct Debit", "de": "SEPA-Lastschrift"},
			Minimum: "0.01", Maximum: "1000.00", Recurring: true,
			Color: "#0B4EA2", Label: "SEPA"},
	}
}

// method is a Method with parsed limits.
type method struct {
	Method
	min, max int64 // minor units; max < 0: none
}

func compileMethods(ms []Method) ([]*method, error) {
	out := make([]*method, 0, len(ms))
	seen := map[string]bool{}
	for _, m := range ms {
		if m.ID == "" || strings.Trim(m.ID, "abcdefghijklmnopqrstuvwxyz0123456789") != "" {
			return nil, fmt.Errorf("molliesim: method id %q: use lower-case letters and digits", m.ID)
		}
		if seen[m.ID] {
			return nil, fmt.Errorf("molliesim: method %q listed twice", m.ID)
		}
		seen[m.ID] = true
		cm := &method{Method: m, min: 1, max: -1}
		if m.Minimum != "" {
			v, err := parseMoney("EUR", m.Minimum)
			if err != nil {
				return nil, fmt.Errorf("molliesim: method %q: minimum %q", m.ID, m.Minimum)
			}
			cm.min = v.Minor
		}
		if m.Maximum != "" {
			v, err := parseMoney("EUR", m.Maximum)
			if err != nil {
				return nil, fmt.Errorf("molliesim: method %q: maximum %q", m.ID, m.Maximum)
			}
			cm.max = v.Minor
		}
		if cm.Expiry <= 0 {
			cm.Expiry = 15 * time.Minute
		}
		if cm.Label == "" {
			cm.Label = m.ID
		}
		if !validColor(cm.Color) {
			cm.Color = "#555555"
		}
		out = append(out, cm)
	}
	return out, nil
}

func validColor(c string) bool {
	if len(c) != 7 || c[0] != '#' {
		return false
	}
	_, err := strconv.ParseUint(c[1:], 16, 32)
	return err == nil
}

// name returns the method's description in the locale's language.
func (m *method) name(locale string) string {
	lang, _, _ := strings.Cut(locale, "_")
	if d, ok := m.Description[strings.ToLower(lang)]; ok && d != "" {
		return d
	}
	if d, ok := m.Description["en"]; ok && d != "" {
		return d
	}
	return m.ID
}

func (m *method) acceptsCurrency(cur string) bool {
	if len(m.Currencies) == 0 {
		return cur == "EUR"
	}
	return slices.Contains(m.Currencies, cur)
}

func (m *method) acceptsSequence(seq string) bool {
	switch seq {
	case "first":
		return m.First
	case "recurring":
		return m.Recurring
	default:
		return m.OneOff
	}
}

// amountCheck returns "" if the method takes the amount, else why not
// ("currency", "minimum", "maximum").
func (m *method) amountCheck(a money) string {
	switch {
	case !m.acceptsCurrency(a.Currency):
		return "currency"
	case a.Minor < m.min:
		return "minimum"
	case m.max >= 0 && a.Minor > m.max:
		return "maximum"
	}
	return ""
}

// textColor picks black or white text for the icon background.
func textColor(bg string) string {
	v, _ := strconv.ParseUint(bg[1:], 16, 32)
	r, g, b := float64(v>>16&0xff), float64(v>>8&0xff), float64(v&0xff)
	if 0.299*r+0.587*g+0.114*b > 150 {
		return "#17120F"
	}
	return "#FFFFFF"
}

// iconSVG draws the method's icon: its colour and label, 32×24.
func (m *method) iconSVG() []byte {
	label := m.Label
	size := 8
	if len(label) > 5 {
		size = 7
	}
	return fmt.Appendf(nil, `<svg xmlns="http://www.w3.org/2000/svg" width="32" height="24" viewBox="0 0 32 24" role="img" aria-label="%[1]s">`+
		`<rect x="0.5" y="0.5" width="31" height="23" rx="4" fill="%[2]s" stroke="#00000033"/>`+
		`<text x="16" y="15" font-family="system-ui,-apple-system,Segoe UI,Roboto,sans-serif" font-size="%[4]d" font-weight="700" fill="%[3]s" text-anchor="middle">%[1]s</text></svg>`,
		html.EscapeString(label), m.Color, textColor(m.Color), size)
}

// iconPNG draws a plain 32×24 (scale 1) or 64×48 (scale 2) tile in the
// method's colour, standing in for Mollie's PNG icons.
func (m *method) iconPNG(scale int) []byte {
	w, h := 32*scale, 24*scale
	v, _ := strconv.ParseUint(m.Color[1:], 16, 32)
	fill := color.RGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 0xff}
	edge := color.RGBA{fill.R / 2, fill.G / 2, fill.B / 2, 0xff}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := fill
			if x < scale || y < scale || x >= w-scale || y >= h-scale {
				c = edge
			}
			img.SetRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}
