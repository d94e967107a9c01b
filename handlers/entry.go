package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/portal"
)

// entry lands a customer whom the creditor's own site signed in directly
// in their account, with the step-up satisfied. Unlike /l/{token}, a GET
// starts the session: the URL is made at the moment of the click, lives
// five minutes and works once, so a prefetch cannot leave a usable link
// behind. Replayed, expired and tampered URLs get the invalid-link page.
func (s *Server) entry(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	sid := newSessionID()
	v, err := s.Portal.EnterSigned(r.Context(), portal.EntryParams{
		Slug: r.PathValue("slug"), Customer: q.Get("customer"), Expires: q.Get("expires"),
		Nonce: q.Get("nonce"), Signature: q.Get("signature"),
	}, clientIP(r), sid)
	if err != nil {
		return s.linkError(w, r, v, err)
	}
	now := s.Now()
	ds := &debtorSession{ID: sid, CreditorID: v.Creditor.ID, DebtorID: v.Debtor.ID, LinkID: v.Link.ID,
		Started: now, Seen: now, SteppedUp: true, Lang: v.Debtor.Language}
	if err := s.saveSession(w, r, ds); err != nil {
		return err
	}
	s.Log.InfoContext(r.Context(), "debtor entered from the creditor's site", "id", RequestID(r.Context()),
		"creditor", v.Creditor.Slug, "debtor_id", v.Debtor.ID)
	return redirect(w, r, "/account")
}
