package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/views"
)

// staffAssistStart opens the debtor's portal in the agent's browser
// (assist mode), after the agent confirmed the debtor's consent and who
// is calling. The debtor pages carry a banner; everything done there is
// recorded as done by the agent.
func (s *Server) staffAssistStart(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	id, err := debtorParam(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return ar.Errorf(ar.Invalid, "error.form")
	}
	sid := newSessionID()
	d, linkID, err := s.office.StartAssist(r.Context(), sc.actor(), id, sid,
		r.PostFormValue("consent") == "yes", r.PostFormValue("identified") == "yes")
	if errs, ok := formErrors(err); ok {
		return s.renderDebtor(w, r, sc, http.StatusUnprocessableEntity, views.StaffDebtorVM{AssistErrors: errs})
	} else if err != nil {
		return err
	}
	now := s.Now()
	ds := &debtorSession{ID: sid, CreditorID: sc.creditorID(), DebtorID: d.ID, LinkID: linkID, Started: now, Seen: now,
		SteppedUp: true, Lang: d.Language, AssistedBy: sc.sess.User.ID}
	if err := s.saveSession(w, r, ds); err != nil {
		return err
	}
	s.Log.InfoContext(r.Context(), "assist mode started", "id", RequestID(r.Context()), "staff", sc.sess.User.ID, "debtor_id", d.ID)
	return redirect(w, r, "/account")
}
