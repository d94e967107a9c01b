package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/dunning"
	"github.com/settle/settle/views"
)

// staffDunningPolicySave stores the policy as the form has it (a new
// version; the stages keep their experiments), audited
// (dunning.policy_saved). Refused input comes back (422) with everything
// typed and what is wrong per field, in the staff member's language.
func (s *Server) staffDunningPolicySave(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	ctx := r.Context()
	cfg, err := s.dunningConfig(ctx, sc)
	if err != nil {
		return err
	}
	key, err := dunningPolicyParam(r, cfg)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return ar.Errorf(ar.Invalid, "error.form")
	}
	loc := s.staffLocale(w, r, sc)
	p, rows, errs := parsePolicyForm(r, loc, key, cfg.Policies[key], sc.creditor.Currency)
	if len(errs) == 0 {
		_, err := dunning.SavePolicy(ctx, s.Store, sc.creditor, sc.sess.User.ID, p, false)
		if err == nil {
			return redirect(w, r, "/staff/settings/dunning/policies/"+key+"?saved=1")
		}
		if !dunningFieldErrors(loc, err, errs) {
			return err
		}
	}
	vm, err := s.dunningPolicyVM(ctx, r, sc, cfg, key, loc)
	if err != nil {
		return err
	}
	vm.Name, vm.Rows, vm.Errors = p.Name, rows, errs
	return s.renderStaff(w, r, http.StatusUnprocessableEntity, sc, views.StaffDunningPolicyPage(vm))
}
