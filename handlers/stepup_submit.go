package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/views"
)

// stepUpSubmit checks a knowledge answer or a one-time code. A wrong
// answer re-renders the form with a translated error and what was typed.
func (s *Server) stepUpSubmit(w http.ResponseWriter, r *http.Request, ds *debtorSession) error {
	if err := parseForm(w, r); err != nil {
		return ar.Errorf(ar.Invalid, "error.form.unreadable")
	}
	next := safeNext(r.PostForm.Get("next"))
	p, err := s.debtorPage(r.Context(), ds)
	if err != nil {
		return err
	}
	if ds.SteppedUp {
		return redirect(w, r, next)
	}
	c := p.creditor
	vm, err := s.stepUpVM(r, c, ds, next)
	if err != nil {
		return err
	}
	switch c.StepUp {
	case ar.StepUpNone:
		err = nil
	case ar.StepUpKnowledge:
		vm.Answer = r.PostForm.Get("answer")
		if len(vm.Answer) > 64 {
			vm.Answer = vm.Answer[:64]
		}
		err = s.Portal.CheckKnowledge(r.Context(), c, ds.DebtorID, ds.LinkID, clientIP(r), vm.Answer)
	case ar.StepUpOTP:
		vm.SentTo = destination(vm.Destinations, r.PostForm.Get("channel"))
		err = s.Portal.VerifyOTP(r.Context(), c, ds.DebtorID, ds.ID, r.PostForm.Get("code"))
	}
	if err != nil {
		e, ok := ar.AsError(err)
		if !ok || e.Field == "" {
			return err
		}
		vm.ErrorKey = e.Key
		s.Log.InfoContext(r.Context(), "step-up failed", "id", RequestID(r.Context()),
			"creditor", c.Slug, "debtor_id", ds.DebtorID, "method", string(c.StepUp), "reason", e.Key)
		status := http.StatusUnprocessableEntity
		if e.Code == ar.TooMany {
			status = http.StatusTooManyRequests
		}
		return s.render(w, r, status, p, views.StepUpPage(vm))
	}
	s.Log.InfoContext(r.Context(), "step-up passed", "id", RequestID(r.Context()),
		"creditor", c.Slug, "debtor_id", ds.DebtorID, "method", string(c.StepUp))
	return s.passStepUp(w, r, ds, next)
}
