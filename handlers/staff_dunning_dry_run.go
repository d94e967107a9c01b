package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/views"
)

// staffDunningDryRun runs the engine for the creditor as of now without
// sending or booking anything, and shows what it would do: messages and
// actions per stage and channel, and the invoices held, by reason.
func (s *Server) staffDunningDryRun(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	if s.Dunning == nil {
		return ar.Errorf(ar.NotFound, "error.not_found")
	}
	if err := parseForm(w, r); err != nil {
		return ar.Errorf(ar.Invalid, "error.form")
	}
	ctx := r.Context()
	rep, err := s.Dunning.RunCreditor(ctx, sc.creditor, s.Now(), true)
	if err != nil {
		return err
	}
	cfg, err := s.dunningConfig(ctx, sc)
	if err != nil {
		return err
	}
	vm, err := s.dunningVM(ctx, sc, cfg, s.staffLocale(w, r, sc), nil)
	if err != nil {
		return err
	}
	row := reportRow(rep)
	vm.DryRun = &row
	return s.renderStaff(w, r, http.StatusOK, sc, views.StaffDunningPage(vm))
}
