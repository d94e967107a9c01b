package settings_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/hooks"
	"github.com/settle/settle/internal/settings"
	"github.com/settle/settle/internal/store"
	"github.com/settle/settle/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

var ctx = context.Background()

type world struct {
	db   *sqlx.DB
	st   *store.Store
	svc  *settings.Service
	a, b settings.Actor
}

func setup(t *testing.T) *world {
	t.Helper()
	db := testdb.New(t)
	w := &world{db: db, st: store.New(db)}
	mk := func(slug string) int64 {
		id, err := w.st.CreateCreditor(ctx, store.NewCreditor{Creditor: ar.Creditor{Slug: slug, Name: "Name " + slug,
			PrimaryColor: "#123456", AccentColor: "#654321", DefaultLanguage: "de", Timezone: "Europe/Berlin",
			Currency: "EUR", StepUp: ar.StepUpKnowledge, StepUpKnowledge: ar.KnowPostcode},
			Logo: []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`), LogoType: "image/svg+xml", LogoPrint: []byte("png")})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	ca, cb := mk("alpha"), mk("beta")
	staffID, err := w.st.CreateStaffUser(ctx, "admin@alpha.example", "admin", &ca, "x", true)
	if err != nil {
		t.Fatal(err)
	}
	w.a, w.b = settings.Actor{StaffID: staffID, CreditorID: ca}, settings.Actor{StaffID: staffID, CreditorID: cb}
	w.svc = &settings.Service{Store: w.st, Hooks: &hooks.Service{DB: db, AllowPrivate: true}}
	return w
}

// audit returns the audit entries of an action: subject, before, after.
func (w *world) audit(t *testing.T, action string) []struct{ Subject, Before, After string } {
	t.Helper()
	var rows []struct{ Subject, Before, After string }
	if err := w.db.Select(&rows, `SELECT subject, coalesce(before::text, '') AS before, coalesce(after::text, '') AS after
		FROM audit_log WHERE action = $1 ORDER BY id`, action); err != nil {
		t.Fatal(err)
	}
	return rows
}

func form() settings.BrandForm {
	return settings.BrandForm{Name: "Name alpha", PrimaryColor: "#123456", AccentColor: "#654321", DefaultLanguage: "de"}
}

// The audit entry of a brand change holds the changed fields only, and
// of a logo its type and size, never its bytes; the PDF logo of the old
// logo goes; saving the same values writes nothing.
func TestUpdateBrandAudit(t *testing.T) {
	t.Parallel()
	w := setup(t)
	f := form()
	f.SupportEmail, f.PrimaryColor, f.Address = " hilfe@alpha.example ", "#ABCDEF", "Weg 1\r\n  10115 Berlin  "
	changed, err := w.svc.UpdateBrand(ctx, w.a, f)
	if err != nil || !changed {
		t.Fatalf("UpdateBrand = %v, %v", changed, err)
	}
	got := w.audit(t, "brand.updated")
	if len(got) != 1 {
		t.Fatalf("%d audit entries", len(got))
	}
	var before, after map[string]any
	json.Unmarshal([]byte(got[0].Before), &before)
	json.Unmarshal([]byte(got[0].After), &after)
	want := map[string]any{"support_email": "hilfe@alpha.example", "primary_color": "#abcdef", "address": "Weg 1\n10115 Berlin"}
	if len(after) != len(want) || len(before) != len(want) {
		t.Errorf("audit before %v after %v, want only %v", before, after, want)
	}
	for k, v := range want {
		if after[k] != v {
			t.Errorf("audit after[%s] = %v, want %v", k, after[k], v)
		}
	}
	if before["primary_color"] != "#123456" || before["support_email"] != "" {
		t.Errorf("audit before = %v", before)
	}

	if changed, err := w.svc.UpdateBrand(ctx, w.a, f); err != nil || changed {
		t.Errorf("saving the same again = %v, %v", changed, err)
	}
	if n := len(w.audit(t, "brand.updated")); n != 1 {
		t.Errorf("an unchanged save wrote an audit entry (%d)", n)
	}

	f.Logo = []byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><rect width="1" height="1"/></svg>`)
	if _, err := w.svc.UpdateBrand(ctx, w.a, f); err != nil {
		t.Fatal(err)
	}
	entry := w.audit(t, "brand.updated")[1]
	if !strings.Contains(entry.After, `"logo_size": 92`) || !strings.Contains(entry.After, `"logo_type": "image/svg+xml"`) ||
		!strings.Contains(entry.Before, `"logo_size": 41`) || strings.Contains(entry.After, "<svg") || strings.Contains(entry.After, "rect") {
		t.Errorf("logo audit = %s → %s", entry.Before, entry.After)
	}
	c, err := w.st.Creditor(ctx, w.a.CreditorID)
	if err != nil {
		t.Fatal(err)
	}
	if c.LogoVersion != 1 || !c.HasLogo {
		t.Errorf("after a new logo: version %d, has logo %v", c.LogoVersion, c.HasLogo)
	}
	if print, _, _ := w.st.CreditorPrintLogo(ctx, c.ID); print != nil {
		t.Errorf("the old logo's PDF rendering is still used: %q", print)
	}

	f.Logo, f.RemoveLogo = nil, true
	if _, err := w.svc.UpdateBrand(ctx, w.a, f); err != nil {
		t.Fatal(err)
	}
	if c, _ := w.st.Creditor(ctx, w.a.CreditorID); c.HasLogo || c.LogoVersion != 2 {
		t.Errorf("after removing the logo: has logo %v, version %d", c.HasLogo, c.LogoVersion)
	}
	if e := w.audit(t, "brand.updated")[2]; !strings.Contains(e.After, `"logo_type": ""`) || !strings.Contains(e.After, `"logo_size": 0`) {
		t.Errorf("logo removal audit = %s", e.After)
	}
	// Creditor beta is untouched.
	if b, _ := w.st.CreditorBrand(ctx, w.b.CreditorID); b.PrimaryColor != "#123456" || b.LogoType == "" {
		t.Errorf("creditor beta changed: %+v", b)
	}
}

func TestBrandFormErrors(t *testing.T) {
	t.Parallel()
	w := setup(t)
	f := settings.BrandForm{Name: " ", LegalName: "A\x07B", SupportPhone: "call me", SupportEmail: "nope",
		PrimaryColor: "red", AccentColor: "#12345", DefaultLanguage: "fr", LegalFooter: strings.Repeat("x", 1001),
		Logo: []byte("GIF89a")}
	_, err := w.svc.UpdateBrand(ctx, w.a, f)
	var list ar.Invalids
	if !asInvalids(err, &list) {
		t.Fatalf("UpdateBrand = %v", err)
	}
	got := map[string]string{}
	for _, e := range list {
		got[e.Field] = e.Key
	}
	for field, key := range map[string]string{"name": "error.staff.settings.name", "legal_name": "error.staff.settings.legal_name",
		"support_phone": "error.staff.settings.phone", "support_email": "error.staff.settings.email",
		"primary_color": "error.staff.settings.color", "accent_color": "error.staff.settings.color",
		"default_language": "error.staff.settings.language", "legal_footer": "error.staff.settings.footer",
		"logo": "error.staff.settings.logo_type"} {
		if got[field] != key {
			t.Errorf("%s: %q, want %q", field, got[field], key)
		}
	}
	if n := len(w.audit(t, "brand.updated")); n != 0 {
		t.Errorf("invalid form audited (%d)", n)
	}
}

func asInvalids(err error, list *ar.Invalids) bool { return errors.As(err, list) }

// API keys: the key is returned once and recorded nowhere but as its
// hash; revoking another creditor's key is not found.
func TestAPIKeys(t *testing.T) {
	t.Parallel()
	w := setup(t)
	if _, _, err := w.svc.CreateAPIKey(ctx, w.a, "  "); ar.ErrorCode(err) != ar.Invalid {
		t.Errorf("a key without a name = %v", err)
	}
	key, k, err := w.svc.CreateAPIKey(ctx, w.a, " Billing ")
	if err != nil {
		t.Fatal(err)
	}
	if !ar.PlausibleAPIKey(key) || k.Name != "Billing" || !strings.HasPrefix(key, k.Prefix) {
		t.Errorf("key %q, %+v", key, k)
	}
	var found int
	if err := w.db.Get(&found, `SELECT count(*) FROM api_keys WHERE key_hash = $1 AND creditor_id = $2`, ar.HashAPIKey(key), w.a.CreditorID); err != nil || found != 1 {
		t.Errorf("stored keys with the hash: %d, %v", found, err)
	}
	if _, err := w.svc.RevokeAPIKey(ctx, w.b, k.ID); !ar.IsNotFound(err) {
		t.Errorf("creditor beta revoking alpha's key = %v", err)
	}
	if _, err := w.svc.RevokeAPIKey(ctx, w.a, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.RevokeAPIKey(ctx, w.a, k.ID); err != nil {
		t.Errorf("revoking again = %v", err)
	}
	var all string
	if err := w.db.Get(&all, `SELECT string_agg(action || subject || coalesce(before::text, '') || coalesce(after::text, ''), ' ') FROM audit_log`); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(all, key) || !strings.Contains(all, "apikey.created") || strings.Count(all, "apikey.revoked") != 1 {
		t.Errorf("audit = %s", all)
	}
}

// Webhooks: both fields' errors at once; private addresses refused
// unless allowed; the secret is never audited; another creditor's
// endpoint is not found.
func TestWebhooks(t *testing.T) {
	t.Parallel()
	w := setup(t)
	_, _, err := w.svc.AddWebhook(ctx, w.a, "ftp://example.com", []string{"payment.paid", "no.such"})
	var list ar.Invalids
	if !asInvalids(err, &list) || len(list) != 2 {
		t.Fatalf("AddWebhook = %v", err)
	}
	strict := &settings.Service{Store: w.st, Hooks: &hooks.Service{DB: w.db}}
	if _, _, err := strict.AddWebhook(ctx, w.a, "http://127.0.0.1:9/x", nil); !strings.Contains(err.Error(), "error.webhook.private") {
		t.Errorf("a loopback receiver without AllowPrivate = %v", err)
	}
	ep, secret, err := w.svc.AddWebhook(ctx, w.a, "http://127.0.0.1:9/hook", []string{"payment.paid"})
	if err != nil {
		t.Fatal(err)
	}
	rotated, err := func() (string, error) { _, s, err := w.svc.RotateWebhookSecret(ctx, w.a, ep.ID); return s, err }()
	if err != nil || rotated == secret {
		t.Fatalf("rotate = %q, %v", rotated, err)
	}
	for _, f := range []func(context.Context, settings.Actor, int64) (*hooks.Endpoint, error){
		w.svc.DisableWebhook, w.svc.EnableWebhook, w.svc.RemoveWebhook} {
		if _, err := f(ctx, w.b, ep.ID); !ar.IsNotFound(err) {
			t.Errorf("creditor beta changing alpha's endpoint = %v", err)
		}
	}
	if _, _, err := w.svc.RotateWebhookSecret(ctx, w.b, ep.ID); !ar.IsNotFound(err) {
		t.Errorf("creditor beta rotating alpha's secret = %v", err)
	}
	if _, err := w.svc.DisableWebhook(ctx, w.a, ep.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.DisableWebhook(ctx, w.a, ep.ID); err != nil {
		t.Fatal(err)
	}
	if n := len(w.audit(t, "webhook.disabled")); n != 1 {
		t.Errorf("disabling twice wrote %d audit entries", n)
	}
	if _, err := w.svc.RemoveWebhook(ctx, w.a, ep.ID); err != nil {
		t.Fatal(err)
	}
	var all string
	if err := w.db.Get(&all, `SELECT string_agg(action || subject || coalesce(before::text, '') || coalesce(after::text, ''), ' ') FROM audit_log`); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{secret, rotated, "whsec_"} {
		if strings.Contains(all, s) {
			t.Errorf("the audit log holds a secret: %s", all)
		}
	}
	for _, a := range []string{"webhook.added", "webhook.secret_rotated", "webhook.disabled", "webhook.removed"} {
		if !strings.Contains(all, a) {
			t.Errorf("no %s in the audit log", a)
		}
	}

	none := &settings.Service{Store: w.st}
	if _, _, err := none.AddWebhook(ctx, w.a, "https://example.com", nil); ar.ErrorCode(err) != ar.Conflict {
		t.Errorf("without hooks = %v", err)
	}
}
