package handlers

import (
	"net/http"
	"net/url"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/portal"
	"github.com/settle/settle/views"
)

// stepUpShow asks the debtor to confirm who they are, by the creditor's
// method. With ?sent=email|sms it shows the field for the code just sent.
func (s *Server) stepUpShow(w http.ResponseWriter, r *http.Request, ds *debtorSession) error {
	next := safeNext(r.URL.Query().Get("next"))
	p, err := s.debtorPage(r.Context(), ds)
	if err != nil {
		return err
	}
	if ds.SteppedUp {
		return redirect(w, r, next)
	}
	if p.creditor.StepUp == ar.StepUpNone {
		return s.passStepUp(w, r, ds, next)
	}
	vm, err := s.stepUpVM(r, p.creditor, ds, next)
	if err != nil {
		return err
	}
	if sent := r.URL.Query().Get("sent"); sent != "" {
		vm.SentTo = destination(vm.Destinations, sent)
	}
	return s.render(w, r, http.StatusOK, p, views.StepUpPage(vm))
}

func (s *Server) stepUpVM(r *http.Request, c *ar.Creditor, ds *debtorSession, next string) (views.StepUpVM, error) {
	vm := views.StepUpVM{Method: c.StepUp, Knowledge: c.StepUpKnowledge, Next: next}
	if c.StepUp == ar.StepUpOTP {
		d, err := s.Store.Debtor(r.Context(), ds.CreditorID, ds.DebtorID)
		if err != nil {
			return vm, err
		}
		for _, x := range portal.OTPDestinations(d) {
			vm.Destinations = append(vm.Destinations, views.Destination{Channel: x.Channel, Masked: x.Masked})
		}
	}
	return vm, nil
}

func destination(list []views.Destination, channel string) *views.Destination {
	for i := range list {
		if list[i].Channel == channel {
			return &list[i]
		}
	}
	return nil
}

// passStepUp marks the session as confirmed, with a fresh session id
// (ASVS 7.2.4), and goes on to next.
func (s *Server) passStepUp(w http.ResponseWriter, r *http.Request, ds *debtorSession, next string) error {
	newID := newSessionID()
	if err := s.Portal.RotateSession(r.Context(), ds.CreditorID, ds.DebtorID, ds.LinkID, ds.ID, newID); err != nil {
		return err
	}
	ds.ID = newID
	ds.SteppedUp = true
	ds.Seen = s.Now()
	if err := s.saveSession(w, r, ds); err != nil {
		return err
	}
	return redirect(w, r, next)
}

func stepUpURL(next, sent string) string {
	v := url.Values{"next": {next}}
	if sent != "" {
		v.Set("sent", sent)
	}
	return "/account/verify?" + v.Encode()
}
