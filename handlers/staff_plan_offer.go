package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/views"
)

// staffPlanOffer previews a counter-offer (action=preview) or sends it
// (action=send): the request is replaced by an offer the debtor accepts
// or declines in the portal. Sending terms that changed since the
// preview shows the new preview instead, so staff always see what goes
// out. Errors come back with everything typed.
func (s *Server) staffPlanOffer(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	id, err := planParam(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return ar.Errorf(ar.Invalid, "error.form")
	}
	plan, err := s.planVM(w, r, sc, id)
	if err != nil {
		return err
	}
	loc := s.staffLocale(w, r, sc)
	f, ask, errs := parsePlanForm(r, loc)
	vm := views.StaffPlanOfferVM{Plan: plan, Form: f}
	if len(errs) > 0 {
		vm.Form.Errors = errs
		return s.renderStaff(w, r, http.StatusUnprocessableEntity, sc, views.StaffPlanOfferPage(vm))
	}
	terms := planTerms(f, nil)
	if r.PostFormValue("action") == "send" && f.Previewed == terms {
		offer, err := s.Plans.Offer(r.Context(), sc.creditor, sc.sess.User.ID, id, ask, f.Note)
		if err == nil {
			return redirect(w, r, planPath(offer.ID, "?done=offered"))
		}
		return s.planFormFailed(w, r, sc, err, func(fields map[string]string, text string) error {
			vm.Form.Errors, vm.Error = fields, text
			if msg := fields["invoice"]; msg != "" {
				vm.Error = msg // the invoices changed: not a field of this form
			}
			return s.renderStaff(w, r, statusOfForm(err), sc, views.StaffPlanOfferPage(vm))
		})
	}
	pv, err := s.Plans.PreviewOffer(r.Context(), sc.creditor, id, ask)
	if err != nil {
		return s.planFormFailed(w, r, sc, err, func(fields map[string]string, text string) error {
			vm.Form.Errors, vm.Error = fields, text
			if msg := fields["invoice"]; msg != "" {
				vm.Error = msg // the invoices changed: not a field of this form
			}
			return s.renderStaff(w, r, statusOfForm(err), sc, views.StaffPlanOfferPage(vm))
		})
	}
	vm.Preview = staffPreviewVM(pv)
	vm.Form.Previewed = terms
	return s.renderStaff(w, r, http.StatusOK, sc, views.StaffPlanOfferPage(vm))
}
