package handlers

import (
	"net/http"

	"github.com/settle/settle/views"
)

// staffDunningShow is the creditor's dunning (issue 9): the policies
// with their stages, which debtors get which policy, fees and interest,
// timing, a dry run and the last runs.
func (s *Server) staffDunningShow(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	ctx := r.Context()
	cfg, err := s.dunningConfig(ctx, sc)
	if err != nil {
		return err
	}
	vm, err := s.dunningVM(ctx, sc, cfg, s.staffLocale(w, r, sc), nil)
	if err != nil {
		return err
	}
	switch r.URL.Query().Get("notice") {
	case "saved":
		vm.Notice = "staff.dunning.settings.saved"
	case "reset":
		vm.Notice = "staff.dunning.settings.reset_done"
	}
	return s.renderStaff(w, r, http.StatusOK, sc, views.StaffDunningPage(vm))
}
