package views

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/settle/settle/internal/ar"
)

// View models and helpers of the settings pages: the brand, API keys,
// webhook endpoints.

// StaffSettingsVM is the settings overview.
type StaffSettingsVM struct {
	Name           string
	PrimaryColor   string
	AccentColor    string
	LogoURL        string // "" without a logo
	LiveKeys       int
	RevokedKeys    int
	HooksAvailable bool
	Endpoints      int
	Disabled       int // endpoints not receiving deliveries
}

// StaffBrandVM is the brand form.
type StaffBrandVM struct {
	Form      BrandFormVM
	LogoURL   string // the current logo, "" for none
	LogoType  string
	LogoSize  int
	Errors    map[string]string // field → translation key
	Notice    string            // a translation key
	Preview   bool              // the answer to "show preview": nothing was saved
	Languages []string
}

func (vm StaffBrandVM) err(field string) string { return vm.Errors[field] }

// BrandFormVM is what the brand form holds.
type BrandFormVM struct {
	Name            string
	LegalName       string
	Address         string
	SupportPhone    string
	SupportEmail    string
	SupportHours    string
	LegalFooter     string
	PrimaryColor    string
	AccentColor     string
	DefaultLanguage string
	RemoveLogo      bool
}

// StaffAPIKeysVM lists a creditor's API keys, with the form for a new
// one.
type StaffAPIKeysVM struct {
	Keys   []APIKeyRow
	Name   string // the form's value
	Errors map[string]string
	Notice string
}

func (vm StaffAPIKeysVM) err(field string) string { return vm.Errors[field] }

// APIKeyRow is one API key.
type APIKeyRow struct {
	ID       int64
	Name     string
	Prefix   string // the key's first characters
	Created  time.Time
	LastUsed *time.Time
	Revoked  *time.Time
}

// StaffSecretVM shows a new secret once: an API key or a webhook
// endpoint's signing secret.
type StaffSecretVM struct {
	Kind       string // "apikey", "webhook_added" or "webhook_rotated"
	Name       string // the key's name, or the endpoint's URL
	Secret     string
	EndpointID int64 // webhooks
}

// StaffWebhooksVM lists a creditor's webhook endpoints, with the form for
// a new one.
type StaffWebhooksVM struct {
	Available  bool // the server has a webhook service
	Endpoints  []WebhookRow
	URL        string   // the form's values
	EventTypes []string // chosen
	AllTypes   []string
	StatsOf    int // how many latest deliveries the counts cover
	Errors     map[string]string
	Notice     string
}

func (vm StaffWebhooksVM) err(field string) string { return vm.Errors[field] }

// WebhookRow is one endpoint.
type WebhookRow struct {
	ID                  int64
	URL                 string
	EventTypes          []string // empty: every type
	Active              bool
	DisabledAt          *time.Time
	Reason              string // a translation key, or the reason as recorded
	Created             time.Time
	PreviousSecretUntil *time.Time
	Delivered           int
	Pending             int
	Dead                int
	Last                *time.Time
}

// StaffWebhookVM is one endpoint with its latest deliveries.
type StaffWebhookVM struct {
	Available  bool
	Endpoint   WebhookRow
	Deliveries []DeliveryRow
	Notice     string
}

// DeliveryRow is a delivery of an event to the endpoint.
type DeliveryRow struct {
	ID          int64
	EventID     string
	EventType   string
	State       string // pending, delivered, dead
	Round       int
	Attempts    []AttemptRow
	Created     time.Time
	Delivered   *time.Time
	NextAttempt *time.Time
}

// AttemptRow is one request of a delivery.
type AttemptRow struct {
	At         time.Time
	Status     int // 0: no response
	Error      string
	DurationMS int
}

// brandPreviewStyle gives the preview sample the colours the debtor
// pages would get (brandStyle's rules), in a nonce'd <style>: colours
// are validated #rrggbb, the defaults stand in for invalid ones.
func brandPreviewStyle(ctx context.Context, primary, accent string) templ.Component {
	primary, accent = previewColor(primary, "#1f4f8f"), previewColor(accent, "#0b7a4b")
	css := fmt.Sprintf(".brand-preview{--pv-brand:%s;--pv-brand-ink:%s;--pv-on-brand:%s;--pv-accent:%s;--pv-accent-ink:%s;--pv-on-accent:%s}",
		primary, inkOn(primary), onColor(primary), accent, inkOn(accent), onColor(accent))
	return templ.Raw(`<style nonce="` + templ.EscapeString(templ.GetNonce(ctx)) + `">` + css + `</style>`)
}

func previewColor(c, fallback string) string {
	if ar.ValidColor(c) {
		return strings.ToLower(c)
	}
	return fallback
}

// swatchStyle colours the overview's swatches (nonce'd, like the
// preview).
func swatchStyle(ctx context.Context, primary, accent string) templ.Component {
	css := fmt.Sprintf(".swatch-primary{background:%s}.swatch-accent{background:%s}",
		previewColor(primary, "#1f4f8f"), previewColor(accent, "#0b7a4b"))
	return templ.Raw(`<style nonce="` + templ.EscapeString(templ.GetNonce(ctx)) + `">` + css + `</style>`)
}

// contrastWarnings says, for a brand colour, what reads poorly: text on
// a button of the colour (below WCAG AA's 4.5:1 even with the better of
// white and near-black), and the colour itself on a white page (below
// 3:1, so the pages use a darker shade for links and borders).
func contrastWarnings(ctx context.Context, c string) []string {
	if !ar.ValidColor(c) {
		return nil
	}
	c = strings.ToLower(c)
	var out []string
	l := luminance(c)
	if r := contrast(l, luminance(onColor(c))); r < 4.5 {
		out = append(out, T(ctx, "staff.settings.brand.contrast_button", "Color", c, "Ratio", ratio(ctx, r)))
	}
	if r := contrast(l, 1); r < 3 {
		out = append(out, T(ctx, "staff.settings.brand.contrast_light", "Color", c, "Ratio", ratio(ctx, r),
			"Ink", inkOn(c)))
	}
	return out
}

// ratio formats a contrast ratio with one decimal in the page's
// language ("3.2" or "3,2").
func ratio(ctx context.Context, r float64) string {
	s := strconv.FormatFloat(r, 'f', 1, 64)
	if lang(ctx) == "de" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// byteSize shows a logo's size in KB (at least 1).
func byteSize(ctx context.Context, n int) string {
	kb := (n + 1023) / 1024
	return T(ctx, "staff.settings.brand.kb", "KB", strconv.Itoa(kb))
}

// langName names a language in the page's language.
func langName(ctx context.Context, l string) string { return tOr(ctx, "staff.settings.lang."+l, l) }

func checked(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// webhookPath is an endpoint's page, or one of its actions.
func webhookPath(id int64, action string) templ.SafeURL {
	p := "/staff/settings/webhooks/" + itoa64(id)
	if action != "" {
		p += "/" + action
	}
	return templ.SafeURL(p)
}

// attemptStatus shows an attempt's HTTP status, or that there was no
// answer.
func attemptStatus(ctx context.Context, status int) string {
	if status == 0 {
		return T(ctx, "staff.settings.webhooks.no_response")
	}
	return strconv.Itoa(status)
}

// deliveryTag is the tag class of a delivery's state.
func deliveryTag(state string) string {
	switch state {
	case "delivered":
		return "tag status-sent"
	case "dead":
		return "tag status-failed"
	}
	return "tag status-unsent"
}
