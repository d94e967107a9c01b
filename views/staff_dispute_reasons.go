package views

// StaffDisputeReasonsVM is the settings page for the reasons debtors may
// choose when they dispute an invoice.
type StaffDisputeReasonsVM struct {
	Rows     []DisputeReasonRowVM // in order: the offered ones first, as debtors see them
	NewLabel string               // a new reason of the creditor's own, as typed
	NewCode  string
	Errors   map[string]FieldErr // "reasons", "new_label", "new_code"
	Notice   string              // a translation key after saving
}

// DisputeReasonRowVM is one reason on the page.
type DisputeReasonRowVM struct {
	Code     string
	Label    string // own reasons
	Standard bool   // shown in the reader's language, may only be switched off
	Offered  bool
	Err      *FieldErr // the own reason's label
}

// Err is the field's error, or nil.
func (vm StaffDisputeReasonsVM) Err(field string) *FieldErr {
	if e, ok := vm.Errors[field]; ok {
		return &e
	}
	return nil
}

// otherMissing: "Something else" is not offered (recommended, so debtors
// always find a reason).
func (vm StaffDisputeReasonsVM) otherMissing() bool {
	for _, r := range vm.Rows {
		if r.Code == "other" && r.Offered {
			return false
		}
	}
	return true
}
