package handlers

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/settle/settle/internal/hooks"
	"github.com/settle/settle/internal/settings"
	"github.com/settle/settle/internal/store"
	"github.com/settle/settle/views"
)

// Helpers of the settings pages (brand, API keys, webhook endpoints).

// settingsNotices are the notices the settings pages show after a
// change (?notice=…), by page.
var settingsNotices = map[string]string{
	"saved":     "staff.settings.brand.saved",
	"unchanged": "staff.settings.brand.unchanged",
	"revoked":   "staff.settings.apikeys.revoked_notice",
	"disabled":  "staff.settings.webhooks.disabled_notice",
	"enabled":   "staff.settings.webhooks.enabled_notice",
	"removed":   "staff.settings.webhooks.removed_notice",
	"replayed":  "staff.settings.webhooks.replayed_notice",
}

func settingsNotice(r *http.Request) string { return settingsNotices[r.URL.Query().Get("notice")] }

// admin is the admin changing the creditor's settings.
func (sc *staffCtx) admin() settings.Actor {
	return settings.Actor{StaffID: sc.sess.User.ID, CreditorID: sc.creditorID()}
}

// logoURL is the creditor's logo as debtor pages show it ("" for none).
func (sc *staffCtx) logoURL(b *store.Brand) string {
	if b.LogoType == "" {
		return ""
	}
	return "/brand/" + sc.creditor.Slug + "/logo?v=" + strconv.FormatInt(b.LogoVersion, 10)
}

// brandForm is the brand form filled from the store.
func brandForm(b *store.Brand) views.BrandFormVM {
	return views.BrandFormVM{Name: b.Name, LegalName: b.LegalName, Address: b.Address, SupportPhone: b.SupportPhone,
		SupportEmail: b.SupportEmail, SupportHours: b.SupportHours, LegalFooter: b.LegalFooter,
		PrimaryColor: b.PrimaryColor, AccentColor: b.AccentColor, DefaultLanguage: b.DefaultLanguage}
}

// webhookRow is an endpoint as the pages show it, times in the
// creditor's zone.
func (sc *staffCtx) webhookRow(e *hooks.Endpoint, st hooks.Stats) views.WebhookRow {
	loc := sc.creditor.Location()
	row := views.WebhookRow{ID: e.ID, URL: e.URL, EventTypes: e.EventTypes, Active: e.Active(),
		Created: e.CreatedAt.In(loc), Delivered: st.Delivered, Pending: st.Pending, Dead: st.Dead,
		DisabledAt: inZone(e.DisabledAt, sc), PreviousSecretUntil: inZone(e.PreviousSecretUntil, sc),
		Last: inZone(st.Last, sc)}
	switch {
	case e.Active():
	case e.DisabledReason == settings.DisabledByStaff:
		row.Reason = "staff.settings.webhooks.reason_staff"
	case strings.Contains(e.DisabledReason, "410"):
		row.Reason = "staff.settings.webhooks.reason_gone"
	default:
		row.Reason = e.DisabledReason
	}
	return row
}

// inZone is t in the creditor's time zone (nil stays nil).
func inZone(t *time.Time, sc *staffCtx) *time.Time {
	if t == nil {
		return nil
	}
	v := (*t).In(sc.creditor.Location())
	return &v
}
