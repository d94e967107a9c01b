package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/dunning"
	"github.com/settle/settle/views"
)

// staffExperimentNew is the form that starts an experiment: a stage of
// one of the creditor's policies and two or three variants, the first
// the control (by default: the stage as it is).
func (s *Server) staffExperimentNew(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	cfg, err := dunning.LoadConfig(r.Context(), s.Store, sc.creditor, s.Now())
	if err != nil {
		return err
	}
	loc := s.staffLocale(w, r, sc)
	vm := views.StaffExperimentNewVM{Targets: experimentTargets(loc, cfg)}
	vm.Variants[0] = views.VariantFormVM{Key: "control", Weight: "50", Shift: "0"}
	vm.Variants[1] = views.VariantFormVM{Key: "b", Weight: "50", Shift: "0"}
	return s.renderStaff(w, r, http.StatusOK, sc, views.StaffExperimentNewPage(vm))
}
