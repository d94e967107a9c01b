package handlers

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/dunning"
	"github.com/settle/settle/views"
)

// staffExperimentCreate starts an experiment on a stage: the policy is
// saved as a new version (a built-in one becomes a stored one) and the
// start audited (experiment.started). Refused input comes back with the
// errors, translated, and everything typed (422).
func (s *Server) staffExperimentCreate(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	if err := parseForm(w, r); err != nil {
		return ar.Errorf(ar.Invalid, "error.form")
	}
	loc := s.staffLocale(w, r, sc)
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	vm := views.StaffExperimentNewVM{Target: v("target"), ID: v("id"), Errors: map[string]string{}}
	e := dunning.Experiment{ID: vm.ID}
	for i := range vm.Variants {
		f := views.VariantFormVM{Key: v(fmt.Sprintf("v%d_key", i)), Weight: v(fmt.Sprintf("v%d_weight", i)),
			Tone: v(fmt.Sprintf("v%d_tone", i)), Channel: v(fmt.Sprintf("v%d_channel", i)), Shift: v(fmt.Sprintf("v%d_shift", i))}
		vm.Variants[i] = f
		if i == 2 && f.Key == "" && f.Weight == "" && f.Tone == "" && f.Channel == "" && (f.Shift == "" || f.Shift == "0") {
			continue // the optional third variant left empty
		}
		va := dunning.Variant{Key: f.Key, Tone: dunning.Tone(f.Tone), Channel: dunning.Channel(f.Channel)}
		var err error
		if va.Weight, err = strconv.Atoi(f.Weight); err != nil {
			vm.Errors[fmt.Sprintf("v%d_weight", i)] = loc.T("error.staff.experiments.whole_number")
		}
		if f.Shift != "" {
			if va.ShiftDays, err = strconv.Atoi(f.Shift); err != nil {
				vm.Errors[fmt.Sprintf("v%d_shift", i)] = loc.T("error.staff.experiments.whole_number")
			}
		}
		e.Variants = append(e.Variants, va)
	}
	policy, stage, _ := strings.Cut(vm.Target, "/")
	if len(vm.Errors) == 0 {
		err := dunning.StartExperiment(r.Context(), s.Store, sc.creditor, sc.sess.User.ID, policy, stage, e, s.Now())
		if err == nil {
			return redirect(w, r, "/staff/dunning/experiments?done=started")
		}
		errs, ok := experimentFormErrors(loc, sc.creditor.Currency, err)
		if !ok {
			return err
		}
		vm.Errors = errs
	}
	cfg, err := dunning.LoadConfig(r.Context(), s.Store, sc.creditor, s.Now())
	if err != nil {
		return err
	}
	vm.Targets = experimentTargets(loc, cfg)
	return s.renderStaff(w, r, http.StatusUnprocessableEntity, sc, views.StaffExperimentNewPage(vm))
}
