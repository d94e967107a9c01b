package settings_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/settings"
)

func TestReasonCode(t *testing.T) {
	for label, want := range map[string]string{
		"Zählerstand falsch":            "zaehlerstand_falsch",
		"  Straße -- gesperrt!  ":       "strasse_gesperrt",
		"2. Mahnung nicht erhalten":     "mahnung_nicht_erhalten",
		"Price change (2026)":           "price_change_2026",
		"!!!":                           "",
		"日本語":                           "",
		strings.Repeat("abcdefghij", 5): "abcdefghijabcdefghijabcdefghijabcdefghij",
	} {
		if got := settings.ReasonCode(label); got != want {
			t.Errorf("ReasonCode(%q) = %q, want %q", label, got, want)
		}
		if got := settings.ReasonCode(label); got != "" && !ar.ValidReasonCode(got) {
			t.Errorf("ReasonCode(%q) = %q is no valid code", label, got)
		}
	}
}

func fields(err error) map[string]string {
	out := map[string]string{}
	var list ar.Invalids
	if errors.As(err, &list) {
		for _, e := range list {
			out[e.Field] = e.Key
		}
	}
	return out
}

// What the form refuses, each on its field: empty, too long and
// duplicate labels, bad or duplicate codes, none offered, rows the page
// did not send.
func TestDisputeReasonsValidate(t *testing.T) {
	std := settings.ReasonRows(ar.DefaultDisputeReasons())
	own := append(append([]settings.ReasonRow{}, std...), settings.ReasonRow{Code: "meter", Label: "Zählerstand", Offered: true})
	none := settings.ReasonRows(nil)
	for i := range none {
		none[i].Offered = false
	}
	for _, tc := range []struct {
		name string
		f    settings.ReasonsForm
		want map[string]string
	}{
		{"empty own label", settings.ReasonsForm{Rows: []settings.ReasonRow{{Code: "meter", Offered: true}}},
			map[string]string{"label.0": "error.staff.dispute_reasons.label_empty"}},
		{"too long", settings.ReasonsForm{Rows: std, NewLabel: strings.Repeat("x", 201)},
			map[string]string{"new_label": "error.staff.dispute_reasons.label_too_long"}},
		{"duplicate label", settings.ReasonsForm{Rows: own, NewLabel: "zählerstand", NewCode: "meter2"},
			map[string]string{"new_label": "error.staff.dispute_reasons.label_duplicate"}},
		{"duplicate code", settings.ReasonsForm{Rows: own, NewLabel: "Anderer Text", NewCode: "meter"},
			map[string]string{"new_code": "error.staff.dispute_reasons.code_duplicate"}},
		{"standard code", settings.ReasonsForm{Rows: std, NewLabel: "Schon bezahlt", NewCode: "already_paid"},
			map[string]string{"new_code": "error.staff.dispute_reasons.code_duplicate"}},
		{"bad code", settings.ReasonsForm{Rows: std, NewLabel: "X", NewCode: "9-x"},
			map[string]string{"new_code": "error.staff.dispute_reasons.code_invalid"}},
		{"no code from label", settings.ReasonsForm{Rows: std, NewLabel: "!!!"},
			map[string]string{"new_code": "error.staff.dispute_reasons.code_needed"}},
		{"code without label", settings.ReasonsForm{Rows: std, NewCode: "x"},
			map[string]string{"new_label": "error.staff.dispute_reasons.label_empty"}},
		{"none offered", settings.ReasonsForm{Rows: none}, map[string]string{"reasons": "error.staff.dispute_reasons.none"}},
		{"tampered", settings.ReasonsForm{Rows: []settings.ReasonRow{{Code: "Bad Code", Offered: true}}},
			map[string]string{"reasons": "error.staff.dispute_reasons.stale"}},
	} {
		tc.f.Normalize()
		_, err := tc.f.Validate()
		got := fields(err)
		for k, v := range tc.want {
			if got[k] != v {
				t.Errorf("%s: %s = %q, want %q (all: %v)", tc.name, k, got[k], v, got)
			}
		}
	}
}

// Saving: the list in order (own reasons with their labels, the new one
// last), audited before/after, only for the actor's creditor; saving the
// same list again writes nothing.
func TestSaveDisputeReasons(t *testing.T) {
	w := setup(t)
	rows := settings.ReasonRows(nil)
	rows[0].Offered = false // wrong_amount off
	rows[1], rows[2] = rows[2], rows[1]
	f := settings.ReasonsForm{Rows: rows, NewLabel: " Zählerstand falsch "}
	for i := range f.Rows {
		if f.Rows[i].Code != ar.ReasonWrongAmount {
			f.Rows[i].Offered = true
		}
	}
	list, err := w.svc.SaveDisputeReasons(ctx, w.a, f)
	if err != nil {
		t.Fatal(err)
	}
	want := []ar.DisputeReason{{Code: "already_paid"}, {Code: "not_received"}, {Code: "cancelled_contract"}, {Code: "other"},
		{Code: "zaehlerstand_falsch", Label: "Zählerstand falsch"}}
	got, err := w.st.DisputeReasons(ctx, w.a.CreditorID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) || len(list) != len(want) {
		t.Fatalf("stored %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("reason %d = %v, want %v", i, got[i], want[i])
		}
	}
	if other, _ := w.st.DisputeReasons(ctx, w.b.CreditorID); len(other) != len(ar.StandardDisputeReasons) || other[0].Code != ar.ReasonWrongAmount {
		t.Errorf("the other creditor's reasons changed: %v", other)
	}
	a := w.audit(t, "dispute_reasons.updated")
	if len(a) != 1 || !strings.Contains(a[0].Before, `"wrong_amount"`) || strings.Contains(a[0].After, `"wrong_amount"`) ||
		!strings.Contains(a[0].After, `"Zählerstand falsch"`) {
		t.Errorf("audit %+v", a)
	}
	// Again, the same: nothing written.
	again := settings.ReasonsForm{Rows: settings.ReasonRows(got)}
	if _, err := w.svc.SaveDisputeReasons(ctx, w.a, again); err != nil {
		t.Fatal(err)
	}
	if a := w.audit(t, "dispute_reasons.updated"); len(a) != 1 {
		t.Errorf("%d audit entries after saving the same", len(a))
	}
}
