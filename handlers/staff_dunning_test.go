package handlers

// dunning admin (issue 9): the dunning settings pages.

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/dunning"
	"github.com/settle/settle/internal/staff"
)

// addDunningPolicy stores a policy of c's own under key (a copy of the
// standard one named after the key) and returns the key.
func (h *harness) addDunningPolicy(c *ar.Creditor, key string) string {
	h.t.Helper()
	p := dunning.DefaultPolicies(c.Currency)[1]
	p.Key, p.Name, p.NameKey = key, "Policy "+key, ""
	b, err := json.Marshal(p)
	if err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.st.SaveDunningPolicy(h.ctx, c.ID, key, b, nil); err != nil {
		h.t.Fatal(err)
	}
	return key
}

// formOf is what a browser would send for the form with the test id:
// its inputs (checkboxes and radios only when checked), the selected
// options and the text areas.
func formOf(t *testing.T, res *tresp, testID string) url.Values {
	t.Helper()
	forms := res.html(t).testID(testID)
	if len(forms) == 0 {
		t.Fatalf("no form %q in\n%s", testID, res.body)
	}
	v := url.Values{}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			name, _ := attr(n, "name")
			switch n.Data {
			case "input":
				typ, _ := attr(n, "type")
				val, _ := attr(n, "value")
				_, checked := attr(n, "checked")
				if name != "" && ((typ != "checkbox" && typ != "radio") || checked) {
					v.Add(name, val)
				}
			case "select":
				sel := ""
				for c := n.FirstChild; c != nil; c = c.NextSibling {
					if c.Type == html.ElementNode && c.Data == "option" {
						if _, ok := attr(c, "selected"); ok {
							sel, _ = attr(c, "value")
						}
					}
				}
				v.Add(name, sel)
			case "textarea":
				v.Add(name, textOf(n))
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(forms[0])
	v.Del("move")
	return v
}

func TestStaffDunningRoles(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, role := range []string{staff.RoleAgent, staff.RoleAR} {
		c := h.staffClient(role, h.a)
		for _, path := range []string{"/staff/settings/dunning", "/staff/settings/dunning/policies/standard"} {
			if res := c.get(path); res.StatusCode != http.StatusForbidden {
				t.Errorf("GET %s as %s = %d, want 403", path, role, res.StatusCode)
			}
		}
		for _, path := range []string{"/staff/settings/dunning/settings", "/staff/settings/dunning/policies/standard",
			"/staff/settings/dunning/dry-run", "/staff/settings/dunning/policies/standard/reset"} {
			if res := c.post(path, nil); res.StatusCode != http.StatusForbidden {
				t.Errorf("POST %s as %s = %d, want 403", path, role, res.StatusCode)
			}
		}
	}
	admin := h.staffClient(staff.RoleAdmin, h.a)
	admin.headers["Accept-Language"] = "en"
	page := admin.get("/staff/settings/dunning")
	if page.StatusCode != http.StatusOK {
		t.Fatalf("GET /staff/settings/dunning = %d\n%s", page.StatusCode, page.body)
	}
	doc := page.html(t)
	if n := len(doc.testID("policy")); n != 3 {
		t.Errorf("%d policies listed, want the 3 built-in ones", n)
	}
	if n := len(doc.testID("builtin")); n != 3 {
		t.Errorf("%d marked built in, want 3", n)
	}
	for _, want := range []string{"Standard", "7 days after the due date", "Dunning letter", "Customer's preferred channel",
		"€2.50", "Which customers get which policy", "Policy for everyone else", "No runs yet."} {
		if !contains(doc.text(), want) {
			t.Errorf("dunning page lacks %q", want)
		}
	}
	if !contains(admin.get("/staff/settings").html(t).testIDText("area-dunning"), "Dunning") {
		t.Error("the settings overview has no dunning card")
	}
}

// Policy keys are per creditor: another creditor's policy is not found,
// and their edit of a built-in policy does not show.
func TestStaffDunningPolicyScoping(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.addDunningPolicy(h.b, "funknetz-own")
	p := dunning.DefaultPolicies("EUR")[1]
	p.Name = "Funknetz Standard"
	b, _ := json.Marshal(p)
	if _, err := h.st.SaveDunningPolicy(h.ctx, h.b.ID, "standard", b, nil); err != nil {
		t.Fatal(err)
	}
	admin := h.staffClient(staff.RoleAdmin, h.a)
	for _, path := range []string{"/staff/settings/dunning/policies/funknetz-own", "/staff/settings/dunning/policies/nope"} {
		if res := admin.get(path); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", path, res.StatusCode)
		}
		if res := admin.post(path, url.Values{"rows": {"0"}}); res.StatusCode != http.StatusNotFound {
			t.Errorf("POST %s = %d, want 404", path, res.StatusCode)
		}
	}
	if res := admin.post("/staff/settings/dunning/policies/funknetz-own/reset", nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("reset of another creditor's policy = %d, want 404", res.StatusCode)
	}
	page := admin.get("/staff/settings/dunning")
	if contains(page.body, "Funknetz") || contains(page.body, "funknetz-own") {
		t.Error("creditor A's page shows creditor B's policies")
	}
	if res := admin.get("/staff/settings/dunning/policies/standard"); res.StatusCode != http.StatusOK || contains(res.body, "Funknetz") {
		t.Errorf("A's standard policy = %d, or shows B's edit", res.StatusCode)
	}
	if n := h.queryInt(`SELECT count(*) FROM dunning_policies WHERE creditor_id = $1`, h.b.ID); n != 2 {
		t.Errorf("B has %d stored policies, want 2 (untouched)", n)
	}
}

func TestStaffDunningPolicyValidation(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, tc := range []struct{ lang, offsetMsg, feeMsg string }{
		{"de", "Geben Sie eine ganze Zahl ein.", "Nur Mahnungen und die letzte Mahnung können eine Gebühr haben."},
		{"en", "Enter a whole number.", "Only dunning letters and the final notice can carry a fee."},
	} {
		admin := h.staffClient(staff.RoleAdmin, h.a)
		admin.headers["Accept-Language"] = tc.lang
		page := admin.get("/staff/settings/dunning/policies/standard")
		form := formOf(t, page, "policy-form")
		if form.Get("stages.2.key") != "reminder-1" || form.Get("stages.2.offset") != "7" {
			t.Fatalf("form starts with %v", form)
		}
		form.Set("stages.2.offset", "sieben")
		form.Set("stages.1.fee", "1,00") // a fee on the soft reminder
		res := admin.post("/staff/settings/dunning/policies/standard", form)
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("%s: POST = %d, want 422", tc.lang, res.StatusCode)
		}
		doc := res.html(t)
		if got := doc.testIDText("error-stages.2.offset"); got != tc.offsetMsg {
			t.Errorf("%s: offset error %q, want %q", tc.lang, got, tc.offsetMsg)
		}
		if got := doc.testIDText("error-stages.1.fee"); !contains(got, tc.feeMsg) {
			t.Errorf("%s: fee error %q, want %q", tc.lang, got, tc.feeMsg)
		}
		kept := formOf(t, res, "policy-form")
		if kept.Get("stages.2.offset") != "sieben" || kept.Get("stages.1.fee") != "1,00" {
			t.Errorf("%s: input not kept: %v", tc.lang, kept)
		}
	}
	if n := h.queryInt(`SELECT count(*) FROM dunning_policies`); n != 0 {
		t.Errorf("%d policies stored after refused input", n)
	}
}

func TestStaffDunningPolicySave(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin, adminID, _ := h.staffAccount(staff.RoleAdmin, h.a)
	admin.headers["Accept-Language"] = "en"
	// An experiment on reminder-1 (as the experiments page stores it).
	p := dunning.DefaultPolicies("EUR")[1]
	p.Stages[2].Experiment = &dunning.Experiment{ID: "tone-test", Variants: []dunning.Variant{{Key: "a", Weight: 50},
		{Key: "b", Weight: 50, Tone: dunning.Friendly}}}
	b, _ := json.Marshal(p)
	if _, err := h.st.SaveDunningPolicy(h.ctx, h.a.ID, "standard", b, nil); err != nil {
		t.Fatal(err)
	}
	page := admin.get("/staff/settings/dunning/policies/standard")
	form := formOf(t, page, "policy-form")
	form.Set("name", "Standard (Stadtwerke)")
	form.Set("stages.3.fee", "1.50")
	form.Set("stages.5.remove", "1") // no hand-over
	// A new stage in the empty row: a second soft reminder at +3.
	form.Set("stages.6.offset", "3")
	form.Set("stages.6.kind", "soft")
	form.Set("stages.6.channel", "sms")
	form.Set("stages.6.tone", "friendly")
	res := admin.post("/staff/settings/dunning/policies/standard", form)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST = %d, want 303\n%s", res.StatusCode, res.body)
	}
	var def []byte
	var version int
	if err := h.db.QueryRow(`SELECT definition, version FROM dunning_policies WHERE creditor_id = $1 AND key = 'standard'`,
		h.a.ID).Scan(&def, &version); err != nil {
		t.Fatal(err)
	}
	var got dunning.Policy
	if err := json.Unmarshal(def, &got); err != nil {
		t.Fatal(err)
	}
	if version != 2 || got.Name != "Standard (Stadtwerke)" || len(got.Stages) != 6 {
		t.Fatalf("stored version %d: %+v", version, got)
	}
	var keys []string
	for _, s := range got.Stages {
		keys = append(keys, s.Key)
	}
	if strings.Join(keys, ",") != "nudge,soft,soft-2,reminder-1,reminder-2,final" {
		t.Errorf("stages %v, want the new soft reminder in day order and no hand-over", keys)
	}
	if s := got.Stage("reminder-2"); s == nil || s.FeeMinor != 150 {
		t.Errorf("reminder-2 = %+v, want a 1.50 fee", s)
	}
	if s := got.Stage("reminder-1"); s == nil || s.Experiment == nil || s.Experiment.ID != "tone-test" {
		t.Errorf("reminder-1 lost its experiment: %+v", s)
	}
	var before, after string
	if err := h.db.QueryRow(`SELECT before::text, after::text FROM audit_log WHERE action = 'dunning.policy_saved'
		AND staff_id = $1 AND creditor_id = $2 AND subject = 'standard'`, adminID, h.a.ID).Scan(&before, &after); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(before, "handover") || strings.Contains(after, "handover") || !strings.Contains(after, `"version": 2`) {
		t.Errorf("audit before %s after %s", before, after)
	}
	shown := admin.get("/staff/settings/dunning/policies/standard?saved=1")
	if !contains(shown.html(t).testIDText("notice"), "The policy is saved") || !contains(shown.body, "Version 2") {
		t.Error("the saved policy's page has no notice or version")
	}
	list := admin.get("/staff/settings/dunning").html(t)
	if len(list.testID("edited")) != 1 || len(list.testID("builtin")) != 2 {
		t.Error("the edited built-in policy is not marked as changed")
	}

	// Reset to built-in.
	if res := admin.post("/staff/settings/dunning/policies/standard/reset", nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("reset = %d", res.StatusCode)
	}
	if n := h.queryInt(`SELECT count(*) FROM dunning_policies WHERE creditor_id = $1`, h.a.ID); n != 0 {
		t.Errorf("%d policies stored after the reset", n)
	}
	if n := h.queryInt(`SELECT count(*) FROM audit_log WHERE action = 'dunning.policy_reset' AND creditor_id = $1`, h.a.ID); n != 1 {
		t.Errorf("%d reset audit entries", n)
	}
	if !contains(admin.get("/staff/settings/dunning/policies/standard").body, "Built in") {
		t.Error("after the reset the policy is not the built-in one")
	}
}

func TestStaffDunningPolicyCreate(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin := h.staffClient(staff.RoleAdmin, h.a)
	admin.headers["Accept-Language"] = "de"
	page := admin.get("/staff/settings/dunning/policies/new")
	form := formOf(t, page, "policy-form")
	form.Set("key", "standard")
	form.Set("name", "Geschäftskunden")
	res := admin.post("/staff/settings/dunning/policies", form)
	if res.StatusCode != http.StatusUnprocessableEntity || !contains(res.html(t).testIDText("error-key"), "Es gibt schon einen Ablauf") {
		t.Fatalf("taken key = %d %q", res.StatusCode, res.html(t).testIDText("error-key"))
	}
	form = formOf(t, res, "policy-form")
	if form.Get("name") != "Geschäftskunden" {
		t.Errorf("name not kept: %v", form)
	}
	form.Set("key", "business")
	if res := admin.post("/staff/settings/dunning/policies", form); res.StatusCode != http.StatusSeeOther ||
		res.Header.Get("Location") != "/staff/settings/dunning/policies/business?saved=1" {
		t.Fatalf("create = %d to %q\n%s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	if n := h.queryInt(`SELECT version FROM dunning_policies WHERE creditor_id = $1 AND key = 'business'`, h.a.ID); n != 1 {
		t.Errorf("version %d", n)
	}
	if res := admin.get("/staff/settings/dunning/policies/business"); res.StatusCode != http.StatusOK || !contains(res.body, "Geschäftskunden") {
		t.Errorf("new policy page = %d", res.StatusCode)
	}
	if res := admin.post("/staff/settings/dunning/policies/business/reset", nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("reset of an own policy = %d, want 404", res.StatusCode)
	}
}

// The preview shows the sample debtor's open invoice with its number and
// amount in both languages, and another debtor by customer number.
func TestStaffDunningPreview(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin := h.staffClient(staff.RoleAdmin, h.a)
	admin.headers["Accept-Language"] = "en"
	res := admin.get("/staff/settings/dunning/policies/standard")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET = %d", res.StatusCode)
	}
	doc := res.html(t)
	if got := doc.testIDText("preview-debtor"); !contains(got, aliceName) || !contains(got, sharedCustNo) {
		t.Errorf("preview debtor %q, want alice (her invoice is overdue the longest)", got)
	}
	inv := h.invoices[h.alice.ID]["R-1001"]
	var reminder *html.Node
	for _, n := range doc.testID("stage-preview") {
		if v, _ := attr(n, "data-stage"); v == "reminder-1" {
			reminder = n
		}
	}
	if reminder == nil {
		t.Fatal("no preview of reminder-1")
	}
	langs := map[string]string{}
	for _, n := range (&htmlDoc{root: reminder}).testID("preview-lang") {
		l, _ := attr(n, "data-lang")
		langs[l] = textOf(n)
	}
	for _, l := range []string{"de", "en"} {
		text := langs[l]
		amount := h.cat.Locale(l).Money(inv.OpenMinor, "EUR")
		if !contains(text, "R-1001") || !contains(text, amount) {
			t.Errorf("%s preview lacks R-1001 or %s:\n%s", l, amount, text)
		}
	}
	if !contains(langs["de"], "Mahnung") || !contains(langs["en"], "Email") {
		t.Errorf("previews not in both languages: %v", langs)
	}
	// reminder-2 charges the capped fee.
	for _, n := range doc.testID("stage-preview") {
		if v, _ := attr(n, "data-stage"); v == "reminder-2" && !contains(textOf(n), "fee €2.50") {
			t.Errorf("reminder-2 preview without its fee: %s", textOf(n))
		}
	}
	bob := admin.get("/staff/settings/dunning/policies/standard?debtor=K-200").html(t)
	if !contains(bob.testIDText("preview-debtor"), bobName) || !contains(bob.text(), "R-2001") {
		t.Errorf("preview for K-200: %q", bob.testIDText("preview-debtor"))
	}
	unknown := admin.get("/staff/settings/dunning/policies/standard?debtor=nobody").html(t)
	if unknown.testIDText("preview-error") == "" {
		t.Error("an unknown customer number shows no notice")
	}
	// Creditor B's customer numbers are not A's: carol's own creditor shows carol.
	other := h.staffClient(staff.RoleAdmin, h.b)
	if got := other.get("/staff/settings/dunning/policies/standard?debtor=" + sharedCustNo).html(t).testIDText("preview-debtor"); !contains(got, carolName) {
		t.Errorf("B's preview for %s = %q", sharedCustNo, got)
	}
}

func TestStaffDunningSettingsSave(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin, adminID, _ := h.staffAccount(staff.RoleAdmin, h.a)
	for _, tc := range []struct{ lang, want string }{
		{"de", "Geben Sie eine Uhrzeit zwischen 00:00 und 23:59 ein."},
		{"en", "Enter a time of day between 00:00 and 23:59."},
	} {
		admin.headers["Accept-Language"] = tc.lang
		form := formOf(t, admin.get("/staff/settings/dunning"), "settings-form")
		form.Set("send_at", "25:00")
		form.Set("rules.0.policy", "")
		res := admin.post("/staff/settings/dunning/settings", form)
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("%s: POST = %d, want 422", tc.lang, res.StatusCode)
		}
		doc := res.html(t)
		if got := doc.testIDText("error-send_at"); got != tc.want {
			t.Errorf("%s: send_at error %q", tc.lang, got)
		}
		if doc.testIDText("error-rules.0.policy") == "" {
			t.Errorf("%s: no error for the rule without a policy", tc.lang)
		}
		if kept := formOf(t, res, "settings-form"); kept.Get("send_at") != "25:00" {
			t.Errorf("%s: input not kept", tc.lang)
		}
	}
	if n := h.queryInt(`SELECT count(*) FROM dunning_settings`); n != 0 {
		t.Fatalf("%d settings stored after refused input", n)
	}
	admin.headers["Accept-Language"] = "de"
	form := formOf(t, admin.get("/staff/settings/dunning"), "settings-form")
	form.Set("send_at", "10:30")
	form.Set("holidays", "2026-12-24\n2026-12-31\n")
	form.Set("consumer_cap", "2,00")
	form.Set("cap_hours", "48")
	form.Set("hardship_flow", "1")
	// A third rule in the empty row, then moved to the top.
	form.Set("rules.2.name", "Großkunden")
	form.Set("rules.2.policy", "standard")
	form.Set("rules.2.min_open", "1.000,00")
	form.Add("rules.2.kinds", "business")
	form.Set("move", "up:1")
	res := admin.post("/staff/settings/dunning/settings", form)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST = %d, want 303\n%s", res.StatusCode, res.html(t).text())
	}
	doc, err := h.st.DunningSettings(h.ctx, h.a.ID)
	if err != nil || doc == nil {
		t.Fatalf("settings not stored: %v", err)
	}
	if doc.Version != 1 || !strings.Contains(string(doc.Definition), `"Rates": null`) {
		t.Errorf("stored settings v%d: %s", doc.Version, doc.Definition)
	}
	var st dunning.Settings
	if err := json.Unmarshal(doc.Definition, &st); err != nil {
		t.Fatal(err)
	}
	rules := st.Segmentation.Rules
	if st.SendAt != 630 || len(st.Holidays) != 2 || st.Fees.ConsumerFeeCapMinor != 200 || st.CapHours != 48 || !st.HardshipFlow ||
		len(rules) != 3 || rules[0].Name != "first time late" || rules[1].Name != "hardship" || rules[2].MinOpen != 100000 ||
		len(rules[2].Kinds) != 1 {
		t.Errorf("stored %+v", st)
	}
	if n := h.queryInt(`SELECT count(*) FROM audit_log WHERE action = 'dunning.settings_saved' AND staff_id = $1`, adminID); n != 1 {
		t.Errorf("%d audit entries", n)
	}
	page := admin.get("/staff/settings/dunning?notice=saved")
	if got := formOf(t, page, "settings-form"); got.Get("send_at") != "10:30" || got.Get("rules.2.min_open") != "1000,00" {
		t.Errorf("form after saving: %v", got)
	}
	// The engine reads the stored settings.
	if _, err := dunning.LoadConfig(h.ctx, h.st, h.a, h.clock.Now()); err != nil {
		t.Errorf("LoadConfig after saving: %v", err)
	}
}

// A dry run shows what would go out now and stores nothing; the runs
// list shows real runs.
func TestStaffDunningDryRun(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin := h.staffClient(staff.RoleAdmin, h.a)
	admin.headers["Accept-Language"] = "en"
	res := admin.post("/staff/settings/dunning/dry-run", nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("dry run = %d\n%s", res.StatusCode, res.body)
	}
	doc := res.html(t)
	// Alice's R-1001 was due on 15 November: the first reminder (+7, a
	// Sunday, so Monday 23rd at 09:00) is due by email.
	if got := doc.testIDText("report-actions"); !contains(got, "Dunning letter · Email: 1") {
		t.Errorf("actions %q", got)
	}
	if got := doc.testIDText("report-messages"); got != "1" {
		t.Errorf("messages %q", got)
	}
	if n := h.queryInt(`SELECT count(*) FROM dunning_actions`) + h.queryInt(`SELECT count(*) FROM dunning_runs`) +
		h.queryInt(`SELECT count(*) FROM messages`); n != 0 {
		t.Errorf("a dry run wrote %d rows", n)
	}
	e := &dunning.Engine{Store: h.st, Portal: h.portal, Text: h.cat, Now: h.clock.Now}
	if _, err := e.RunCreditor(h.ctx, h.a, h.clock.Now(), false); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(time.Minute)
	runs := admin.get("/staff/settings/dunning").html(t)
	if rows := runs.testID("run"); len(rows) != 1 || !contains(textOf(rows[0]), "Dunning letter · Email: 1") {
		t.Errorf("runs list: %q", runs.testIDText("runs"))
	}
	// Held counts: staff pause alice, the next dry run holds her open
	// invoices (R-1001 and R-1002; every open invoice is evaluated).
	if _, err := h.db.Exec(`UPDATE debtors SET dunning_paused_until = '2026-12-31', dunning_pause_note = 'Urlaub' WHERE id = $1`, h.alice.ID); err != nil {
		t.Fatal(err)
	}
	held := admin.post("/staff/settings/dunning/dry-run", nil).html(t).testIDText("report-held")
	if !contains(held, "Paused by staff: 2") {
		t.Errorf("held %q", held)
	}
}
