package handlers

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/settle/settle/internal/staff"
)

var reasonInputRE = regexp.MustCompile(`name="reason" value="([a-z0-9_]+)"`)

// debtorReasons are the reasons alice's dispute form offers, in order.
func debtorReasons(t *testing.T, c *tclient) []string {
	t.Helper()
	var out []string
	for _, m := range reasonInputRE.FindAllStringSubmatch(c.get("/account/invoices/R-1001/dispute").body, -1) {
		out = append(out, m[1])
	}
	return out
}

// reasonsForm is the settings form as the page sends it for rows (code,
// offered) plus extra fields.
func reasonsForm(rows [][2]string, extra ...string) url.Values {
	v := url.Values{}
	for _, r := range rows {
		v.Add("code", r[0])
		if r[1] == "on" {
			v.Add("offered", r[0])
		}
	}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Add(extra[i], extra[i+1])
	}
	return v
}

// An admin switches a standard reason off, adds one of the creditor's
// own (its code made from the label), moves one up: the debtor's form
// offers exactly that list, in that order; the change is audited; the
// other creditor keeps the standard list; AR staff may not.
func TestStaffDisputeReasons(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	debtor := h.steppedUp(h.alice)
	if got := debtorReasons(t, debtor); !slices.Equal(got, []string{"wrong_amount", "not_received", "already_paid", "cancelled_contract", "other"}) {
		t.Fatalf("default reasons %v", got)
	}
	admin := h.staffClient(staff.RoleAdmin, h.a)
	page := admin.get("/staff/settings/dispute-reasons", "Accept-Language", "en")
	if page.StatusCode != http.StatusOK || len(page.html(t).testID("reason-row")) != 5 || len(page.html(t).testID("other-missing")) != 0 {
		t.Fatalf("page = %d: %.500s", page.StatusCode, page.body)
	}
	if !strings.Contains(admin.get("/staff/settings", "Accept-Language", "en").body, "/staff/settings/dispute-reasons") {
		t.Error("the settings overview does not link the page")
	}
	res := admin.post("/staff/settings/dispute-reasons", reasonsForm([][2]string{{"wrong_amount", ""}, {"not_received", "on"},
		{"already_paid", "on"}, {"cancelled_contract", "on"}, {"other", "on"}}, "new_label", "Zählerstand falsch", "move", "up:already_paid"))
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/staff/settings/dispute-reasons?saved=1" {
		t.Fatalf("save = %d: %.500s", res.StatusCode, res.body)
	}
	want := []string{"already_paid", "not_received", "cancelled_contract", "other", "zaehlerstand_falsch"}
	if got := debtorReasons(t, debtor); !slices.Equal(got, want) {
		t.Errorf("debtor's reasons %v, want %v", got, want)
	}
	if !strings.Contains(debtor.get("/account/invoices/R-1001/dispute").body, "Zählerstand falsch") {
		t.Error("the own reason's label is not shown")
	}
	saved := admin.get("/staff/settings/dispute-reasons?saved=1", "Accept-Language", "en").html(t)
	if saved.testIDText("notice") != h.en().T("staff.dispute_reasons.saved") {
		t.Errorf("notice %q", saved.testIDText("notice"))
	}
	rows := saved.testID("reason-row")
	if len(rows) != 6 || attrOf(rows[4], "data-code") != "zaehlerstand_falsch" || attrOf(rows[5], "data-code") != "wrong_amount" ||
		attrOf(rows[5], "data-offered") != "false" {
		t.Errorf("rows after saving: %d", len(rows))
	}
	// A switched-off reason is refused when a debtor sends it.
	if res := debtor.postFiles("/account/invoices/R-1001/disputes", url.Values{"reason": {"wrong_amount"}, "message": {"x"}}, nil); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a switched-off reason = %d", res.StatusCode)
	}
	if n := h.queryInt(`SELECT count(*) FROM audit_log WHERE action = 'dispute_reasons.updated' AND creditor_id = $1
		AND before::text LIKE '%wrong_amount%' AND after::text LIKE '%zaehlerstand_falsch%'`, h.a.ID); n != 1 {
		t.Errorf("%d audit entries", n)
	}
	// Creditor B keeps the standard list.
	if got := h.queryInt(`SELECT count(*) FROM dispute_reasons WHERE creditor_id = $1`, h.b.ID); got != 0 {
		t.Errorf("creditor B has %d reasons", got)
	}
	bAdmin := h.staffClient(staff.RoleAdmin, h.b).get("/staff/settings/dispute-reasons").html(t)
	if rows := bAdmin.testID("reason-row"); len(rows) != 5 || attrOf(rows[0], "data-code") != "wrong_amount" {
		t.Errorf("creditor B sees %d rows", len(rows))
	}
	// AR staff may not.
	if res := h.staffClient(staff.RoleAR, h.a).post("/staff/settings/dispute-reasons", reasonsForm([][2]string{{"other", "on"}})); res.StatusCode != http.StatusForbidden {
		t.Errorf("AR save = %d", res.StatusCode)
	}
	// Removing "other" and the own reason (unticked): saved, with the
	// recommendation shown.
	res = admin.post("/staff/settings/dispute-reasons", reasonsForm([][2]string{{"already_paid", "on"}, {"not_received", "on"},
		{"cancelled_contract", "on"}, {"other", ""}, {"zaehlerstand_falsch", ""}, {"wrong_amount", "on"}}, "label.zaehlerstand_falsch", "Zählerstand falsch"))
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("second save = %d", res.StatusCode)
	}
	if got := debtorReasons(t, debtor); !slices.Equal(got, []string{"already_paid", "not_received", "cancelled_contract", "wrong_amount"}) {
		t.Errorf("debtor's reasons %v", got)
	}
	if p := admin.get("/staff/settings/dispute-reasons").html(t); len(p.testID("other-missing")) != 1 {
		t.Error("no recommendation to offer other")
	}
}

// Refused input comes back with everything typed and the error in the
// staff member's language; nothing is stored.
func TestStaffDisputeReasonsErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	admin := h.staffClient(staff.RoleAdmin, h.a)
	std := [][2]string{{"wrong_amount", "on"}, {"not_received", "on"}, {"already_paid", "on"}, {"cancelled_contract", "on"}, {"other", "on"}}
	long := strings.Repeat("ü", 201)
	for _, tc := range []struct {
		lang, field, key string
		form             url.Values
		args             []any
	}{
		{"de", "new_label", "error.staff.dispute_reasons.label_too_long", reasonsForm(std, "new_label", long), []any{"Max", 200, "Count", 201}},
		{"en", "new_label", "error.staff.dispute_reasons.label_too_long", reasonsForm(std, "new_label", long), []any{"Max", 200, "Count", 201}},
		{"de", "new_code", "error.staff.dispute_reasons.code_duplicate", reasonsForm(std, "new_label", "Schon bezahlt", "new_code", "already_paid"), []any{"Code", "already_paid"}},
		{"en", "new_code", "error.staff.dispute_reasons.code_invalid", reasonsForm(std, "new_label", "X", "new_code", "9 x"), nil},
		{"en", "new_code", "error.staff.dispute_reasons.code_needed", reasonsForm(std, "new_label", "???"), nil},
		{"de", "reasons", "error.staff.dispute_reasons.none", reasonsForm([][2]string{{"other", ""}}), nil},
		{"en", "reasons", "error.staff.dispute_reasons.none", reasonsForm([][2]string{{"other", ""}}), nil},
	} {
		var hdr []string
		if tc.lang == "en" {
			hdr = []string{"Accept-Language", "en"}
		}
		res := admin.post("/staff/settings/dispute-reasons", tc.form, hdr...)
		want := h.cat.Locale(tc.lang).T(tc.key, tc.args...)
		if res.StatusCode != http.StatusUnprocessableEntity || res.html(t).testIDText("error-"+tc.field) != want {
			t.Errorf("%s %s: %d, %q, want %q", tc.lang, tc.key, res.StatusCode, res.html(t).testIDText("error-"+tc.field), want)
		}
		if v := tc.form.Get("new_label"); v != "" && !strings.Contains(res.body, `value="`+v+`"`) {
			t.Errorf("%s: the typed label is lost", tc.key)
		}
	}
	if n := h.queryInt(`SELECT count(*) FROM dispute_reasons`); n != 0 {
		t.Errorf("%d reasons stored", n)
	}
	// An own reason's label emptied: the error at its row.
	if res := admin.post("/staff/settings/dispute-reasons", reasonsForm(std, "new_label", "Zählerstand")); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("add = %d", res.StatusCode)
	}
	res := admin.post("/staff/settings/dispute-reasons", reasonsForm(append(std, [2]string{"zaehlerstand", "on"}), "label.zaehlerstand", " "))
	if res.StatusCode != http.StatusUnprocessableEntity || res.html(t).testIDText("error-label-zaehlerstand") != h.de().T("error.staff.dispute_reasons.label_empty") {
		t.Errorf("empty own label = %d %q", res.StatusCode, res.html(t).testIDText("error-label-zaehlerstand"))
	}
}
