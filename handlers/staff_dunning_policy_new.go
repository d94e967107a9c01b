package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/dunning"
	"github.com/settle/settle/views"
)

// staffDunningPolicyNew is the form for a policy of the creditor's own,
// filled with the standard policy's stages to start from.
func (s *Server) staffDunningPolicyNew(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	loc := s.staffLocale(w, r, sc)
	var start *dunning.Policy
	for _, p := range dunning.DefaultPolicies(sc.creditor.Currency) {
		if p.Key == dunning.PolicyStandard {
			start = &p
		}
	}
	vm := views.StaffDunningPolicyVM{New: true, Rows: policyRows(start, loc.Lang), Currency: sc.creditor.Currency}
	return s.renderStaff(w, r, http.StatusOK, sc, views.StaffDunningPolicyPage(vm))
}
