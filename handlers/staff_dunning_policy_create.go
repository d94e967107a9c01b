package handlers

import (
	"net/http"
	"strings"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/dunning"
	"github.com/settle/settle/views"
)

// staffDunningPolicyCreate stores a new policy of the creditor's own
// under a key no policy has, audited (dunning.policy_saved); refused
// input comes back (422) with everything typed.
func (s *Server) staffDunningPolicyCreate(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	if err := parseForm(w, r); err != nil {
		return ar.Errorf(ar.Invalid, "error.form")
	}
	loc := s.staffLocale(w, r, sc)
	key := strings.TrimSpace(r.PostFormValue("key"))
	p, rows, errs := parsePolicyForm(r, loc, key, nil, sc.creditor.Currency)
	_, err := dunning.SavePolicy(r.Context(), s.Store, sc.creditor, sc.sess.User.ID, p, true)
	if err == nil && len(errs) == 0 {
		return redirect(w, r, "/staff/settings/dunning/policies/"+key+"?saved=1")
	}
	if err != nil && !dunningFieldErrors(loc, err, errs) {
		return err
	}
	vm := views.StaffDunningPolicyVM{New: true, Key: key, Name: p.Name, Rows: rows, Errors: errs, Currency: sc.creditor.Currency}
	return s.renderStaff(w, r, http.StatusUnprocessableEntity, sc, views.StaffDunningPolicyPage(vm))
}
