package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/plans"
	"github.com/settle/settle/views"
)

// staffPlanCreate previews (action=preview) or makes (action=create) a
// plan for a debtor on the phone. Staff decide on the spot, so the plan
// is active at once (within the creditor's policy); the debtor is told.
// Making terms that changed since the preview shows the new preview
// instead.
func (s *Server) staffPlanCreate(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	id, err := debtorParam(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return ar.Errorf(ar.Invalid, "error.form")
	}
	numbers := r.PostForm["invoice"]
	if numbers == nil {
		numbers = []string{}
	}
	vm, err := s.newPlanVM(r.Context(), sc, id, numbers)
	if err != nil {
		return err
	}
	loc := s.staffLocale(w, r, sc)
	f, ask, errs := parsePlanForm(r, loc)
	vm.Form = f
	if len(numbers) == 0 {
		errs["invoice"] = loc.T("error.staff.plans.choose_invoice")
	}
	if len(errs) > 0 {
		vm.Form.Errors = errs
		return s.renderStaff(w, r, http.StatusUnprocessableEntity, sc, views.StaffPlanNewPage(vm))
	}
	failed := func(err error) error {
		return s.planFormFailed(w, r, sc, err, func(fields map[string]string, text string) error {
			vm.Form.Errors, vm.Error = fields, text
			return s.renderStaff(w, r, statusOfForm(err), sc, views.StaffPlanNewPage(vm))
		})
	}
	terms := planTerms(f, numbers)
	if r.PostFormValue("action") == "create" && f.Previewed == terms {
		staffID := sc.sess.User.ID
		p, err := s.Plans.Request(r.Context(), sc.creditor, id, numbers, ask, f.Note, plans.By{StaffID: &staffID})
		if err != nil {
			return failed(err)
		}
		return redirect(w, r, planPath(p.ID, "?done=created"))
	}
	pv, err := s.Plans.Preview(r.Context(), sc.creditor, id, numbers, ask)
	if err != nil {
		return failed(err)
	}
	vm.Preview = staffPreviewVM(pv)
	vm.Form.Previewed = terms
	return s.renderStaff(w, r, http.StatusOK, sc, views.StaffPlanNewPage(vm))
}
