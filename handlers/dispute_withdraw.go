package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/ar"
)

// disputeWithdraw withdraws one of the debtor's live cases (a dispute or
// a credit request) from its page's confirm button: the hold ends, staff's
// task is closed, and the page says so (303). In assist mode the agent is
// recorded; staff have no other way to withdraw for the debtor. A decided
// or withdrawn case comes back to its page with a message saying so (no
// second event); anyone else's is a 404.
func (s *Server) disputeWithdraw(w http.ResponseWriter, r *http.Request, ds *debtorSession) error {
	if err := s.disputesOn(); err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	p, err := s.debtorPage(r.Context(), ds)
	if err != nil {
		return err
	}
	var assisted *int64
	if ds.AssistedBy != 0 {
		id := ds.AssistedBy
		assisted = &id
	}
	d, err := s.Disputes.Withdraw(r.Context(), p.creditor, ds.DebtorID, r.PathValue("dispute"), assisted)
	if ar.ErrorCode(err) == ar.Conflict {
		// Decided or withdrawn already (a second click, another tab): the
		// page says so, as for a message to a closed case.
		return redirect(w, r, disputePath(r.PathValue("dispute"), "?done=withdraw_closed"))
	} else if err != nil {
		return err
	}
	s.Log.InfoContext(r.Context(), "case withdrawn", "id", RequestID(r.Context()), "dispute", d.PublicID)
	return redirect(w, r, disputePath(d.PublicID, "?done=withdrawn"))
}
