package settings

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/store"
)

// MaxDisputeReasons is how many reasons a creditor may offer.
const MaxDisputeReasons = 30

// ReasonRow is one reason on the settings page: a standard one (Label
// "", shown in the reader's language) or one of the creditor's own.
type ReasonRow struct {
	Code    string
	Label   string // own reasons: the text debtors see
	Offered bool   // not offered: a standard one stays listed, an own one is removed
}

// ReasonsForm is the reasons page as submitted: the rows in the order
// wanted, and perhaps a new reason of the creditor's own.
type ReasonsForm struct {
	Rows     []ReasonRow
	NewLabel string
	NewCode  string // empty: made from the label (ReasonCode)
}

// Normalize trims the typed texts and lower-cases a typed code.
func (f *ReasonsForm) Normalize() {
	for i := range f.Rows {
		f.Rows[i].Label = strings.TrimSpace(f.Rows[i].Label)
		f.Rows[i].Code = strings.TrimSpace(f.Rows[i].Code)
	}
	f.NewLabel = strings.TrimSpace(f.NewLabel)
	f.NewCode = strings.ToLower(strings.TrimSpace(f.NewCode))
}

// ReasonRows is the page's list for what a creditor offers: the offered
// reasons in their order, then the standard ones not offered.
func ReasonRows(offered []ar.DisputeReason) []ReasonRow {
	rows := make([]ReasonRow, 0, len(offered)+len(ar.StandardDisputeReasons))
	for _, r := range offered {
		rows = append(rows, ReasonRow{Code: r.Code, Label: r.Label, Offered: true})
	}
	for _, c := range ar.StandardDisputeReasons {
		if !slices.ContainsFunc(offered, func(r ar.DisputeReason) bool { return r.Code == c }) {
			rows = append(rows, ReasonRow{Code: c})
		}
	}
	return rows
}

// ReasonCode makes a reason's code from its label: lower case, German
// umlauts spelt out, anything else but letters a–z and digits as "_",
// starting with a letter, at most 40 characters; "" when nothing usable
// is left (the admin must enter one).
func ReasonCode(label string) string {
	var b strings.Builder
	last := byte('_')
	for _, r := range strings.ToLower(label) {
		var s string
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			s = string(r)
		case r == 'ä':
			s = "ae"
		case r == 'ö':
			s = "oe"
		case r == 'ü':
			s = "ue"
		case r == 'ß':
			s = "ss"
		case r == 'é' || r == 'è' || r == 'ê':
			s = "e"
		case r == 'á' || r == 'à' || r == 'â':
			s = "a"
		default:
			s = "_"
		}
		if s == "_" && last == '_' {
			continue
		}
		b.WriteString(s)
		last = s[len(s)-1]
	}
	code := strings.Trim(b.String(), "_")
	code = strings.TrimLeft(code, "0123456789_")
	if len(code) > 40 {
		code = strings.TrimRight(code[:40], "_")
	}
	if !ar.ValidReasonCode(code) {
		return ""
	}
	return code
}

// Validate checks the form and returns the list to store (the offered
// rows in order, the new reason last). Field errors: "label.<i>" (an
// own reason's label), "new_label", "new_code", "reasons" (none offered,
// too many); row indexes as in f.Rows.
func (f *ReasonsForm) Validate() ([]ar.DisputeReason, error) {
	var bad ar.Invalids
	var list []ar.DisputeReason
	codes := map[string]bool{}
	labels := map[string]bool{}
	labelOK := func(field, label string) bool {
		n := utf8.RuneCountInString(label)
		switch {
		case n == 0:
			bad.Add(field, "error.staff.dispute_reasons.label_empty", nil)
		case n > ar.MaxDisputeReasonLabel:
			bad.Add(field, "error.staff.dispute_reasons.label_too_long", map[string]any{"Max": ar.MaxDisputeReasonLabel, "Count": n})
		case control(label, false):
			bad.Add(field, "error.staff.dispute_reasons.label_control", nil)
		case labels[strings.ToLower(label)]:
			bad.Add(field, "error.staff.dispute_reasons.label_duplicate", nil)
		default:
			return true
		}
		return false
	}
	for i, r := range f.Rows {
		if !ar.ValidReasonCode(r.Code) || codes[r.Code] {
			// Not what the page sent: the form was tampered with or is stale.
			bad.Add("reasons", "error.staff.dispute_reasons.stale", nil)
			continue
		}
		codes[r.Code] = true
		if ar.IsStandardReason(r.Code) {
			if r.Offered {
				list = append(list, ar.DisputeReason{Code: r.Code})
			}
			continue
		}
		if !r.Offered {
			continue // an own reason not offered is removed
		}
		if labelOK("label."+strconv.Itoa(i), r.Label) {
			labels[strings.ToLower(r.Label)] = true
		}
		list = append(list, ar.DisputeReason{Code: r.Code, Label: r.Label})
	}
	if f.NewLabel != "" || f.NewCode != "" {
		code := f.NewCode
		codeField := "new_code"
		if code == "" {
			code = ReasonCode(f.NewLabel)
			if f.NewLabel != "" && code == "" {
				bad.Add("new_code", "error.staff.dispute_reasons.code_needed", nil)
			}
		} else if !ar.ValidReasonCode(code) {
			bad.Add(codeField, "error.staff.dispute_reasons.code_invalid", nil)
			code = ""
		}
		if code != "" && (codes[code] || ar.IsStandardReason(code)) {
			bad.Add(codeField, "error.staff.dispute_reasons.code_duplicate", map[string]any{"Code": code})
		}
		if labelOK("new_label", f.NewLabel) && code != "" {
			list = append(list, ar.DisputeReason{Code: code, Label: f.NewLabel})
		}
	}
	if len(bad) == 0 {
		switch {
		case len(list) == 0:
			bad.Add("reasons", "error.staff.dispute_reasons.none", nil)
		case len(list) > MaxDisputeReasons:
			bad.Add("reasons", "error.staff.dispute_reasons.too_many", map[string]any{"Max": MaxDisputeReasons})
		}
	}
	if len(bad) > 0 {
		return nil, bad
	}
	return list, nil
}

// SaveDisputeReasons stores the reasons debtors may choose when they
// dispute an invoice, in order, audited with the list before and after
// (dispute_reasons.updated; nothing changed: nothing written).
func (s *Service) SaveDisputeReasons(ctx context.Context, a Actor, f ReasonsForm) ([]ar.DisputeReason, error) {
	f.Normalize()
	list, err := f.Validate()
	if err != nil {
		return nil, err
	}
	err = s.Store.InTx(ctx, func(tx *store.Store) error {
		if err := tx.LockDisputeReasons(ctx, a.CreditorID); err != nil {
			return err
		}
		before, err := tx.DisputeReasons(ctx, a.CreditorID)
		if err != nil {
			return err
		}
		if slices.Equal(before, list) {
			return nil
		}
		if err := tx.SaveDisputeReasons(ctx, a.CreditorID, list); err != nil {
			return err
		}
		return a.audit(ctx, tx, "dispute_reasons.updated", "dispute_reasons", reasonsAudit(before), reasonsAudit(list))
	})
	if err != nil {
		return nil, err
	}
	return list, nil
}

// reasonsAudit is a list as the audit log keeps it.
func reasonsAudit(list []ar.DisputeReason) map[string]any {
	out := make([]map[string]string, len(list))
	for i, r := range list {
		out[i] = map[string]string{"code": r.Code}
		if r.Label != "" {
			out[i]["label"] = r.Label
		}
	}
	return map[string]any{"reasons": out}
}
