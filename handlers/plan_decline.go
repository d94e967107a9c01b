package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/ar"
)

// planDecline turns down the schedule staff offered; the invoices go on
// as before.
func (s *Server) planDecline(w http.ResponseWriter, r *http.Request, ds *debtorSession) error {
	return s.planStep(w, r, ds, ar.PlanOffered, "declined", func(c *ar.Creditor, id int64) error {
		return s.Plans.Cancel(r.Context(), c, ds.DebtorID, nil, id)
	})
}
