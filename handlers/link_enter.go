package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/ar"
)

// linkEnter is the debtor's "Continue" on the interstitial: a new session
// (with a fresh id, replacing any earlier one) for the link's debtor, then
// 303 to /account, whose URL carries no token.
func (s *Server) linkEnter(w http.ResponseWriter, r *http.Request) error {
	sid := newSessionID()
	v, err := s.Portal.Enter(r.Context(), r.PathValue("token"), clientIP(r), sid)
	if err != nil {
		return s.linkError(w, r, v, err)
	}
	now := s.Now()
	ds := &debtorSession{
		ID: sid, CreditorID: v.Creditor.ID, DebtorID: v.Debtor.ID, LinkID: v.Link.ID,
		Started: now, Seen: now, SteppedUp: v.Creditor.StepUp == ar.StepUpNone, Lang: v.Debtor.Language,
	}
	if err := s.saveSession(w, r, ds); err != nil {
		return err
	}
	s.Log.InfoContext(r.Context(), "debtor entered", "id", RequestID(r.Context()),
		"creditor", v.Creditor.Slug, "debtor_id", v.Debtor.ID, "link_id", v.Link.ID)
	return redirect(w, r, "/account")
}
