package handlers

import (
	"net/http"

	"github.com/settle/settle/views"
)

// staffDunningPolicyShow is a policy's editor with the preview of each
// stage's message (?debtor=customer number).
func (s *Server) staffDunningPolicyShow(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	ctx := r.Context()
	cfg, err := s.dunningConfig(ctx, sc)
	if err != nil {
		return err
	}
	key, err := dunningPolicyParam(r, cfg)
	if err != nil {
		return err
	}
	vm, err := s.dunningPolicyVM(ctx, r, sc, cfg, key, s.staffLocale(w, r, sc))
	if err != nil {
		return err
	}
	if r.URL.Query().Get("saved") == "1" {
		vm.Notice = "staff.dunning.settings.policy_saved"
	}
	return s.renderStaff(w, r, http.StatusOK, sc, views.StaffDunningPolicyPage(vm))
}
