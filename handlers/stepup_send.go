package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/views"
)

// stepUpSend sends a one-time code to the email or phone on file, then
// shows the field for it (POST, redirect, GET: a reload sends nothing).
func (s *Server) stepUpSend(w http.ResponseWriter, r *http.Request, ds *debtorSession) error {
	if err := parseForm(w, r); err != nil {
		return ar.Errorf(ar.Invalid, "error.form.unreadable")
	}
	next := safeNext(r.PostForm.Get("next"))
	p, err := s.debtorPage(r.Context(), ds)
	if err != nil {
		return err
	}
	if ds.SteppedUp || p.creditor.StepUp != ar.StepUpOTP {
		return redirect(w, r, stepUpURL(next, ""))
	}
	channel := r.PostForm.Get("channel")
	lang := s.language(w, r, p)
	if _, err := s.Portal.SendOTP(r.Context(), p.creditor, ds.DebtorID, ds.ID, channel, lang); err != nil {
		e, ok := ar.AsError(err)
		if !ok {
			return err
		}
		vm, verr := s.stepUpVM(r, p.creditor, ds, next)
		if verr != nil {
			return verr
		}
		vm.ErrorKey = e.Key
		return s.render(w, r, statusOf(e.Code), p, views.StepUpPage(vm))
	}
	return redirect(w, r, stepUpURL(next, channel))
}
