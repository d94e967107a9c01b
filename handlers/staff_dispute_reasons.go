package handlers

// Shared by the dispute reasons settings page and its form.

import (
	"strconv"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/settings"
	"github.com/settle/settle/views"
)

// disputeReasonsVM is the reasons page for rows (errors by row index as
// settings.ReasonsForm.Validate names them: "label.<i>").
func disputeReasonsVM(rows []settings.ReasonRow, errs map[string]views.FieldErr) views.StaffDisputeReasonsVM {
	vm := views.StaffDisputeReasonsVM{Errors: map[string]views.FieldErr{}}
	for i, r := range rows {
		row := views.DisputeReasonRowVM{Code: r.Code, Label: r.Label, Standard: ar.IsStandardReason(r.Code), Offered: r.Offered}
		if e, ok := errs["label."+strconv.Itoa(i)]; ok {
			row.Err = &e
		}
		vm.Rows = append(vm.Rows, row)
	}
	for _, k := range []string{"reasons", "new_label", "new_code"} {
		if e, ok := errs[k]; ok {
			vm.Errors[k] = e
		}
	}
	return vm
}
