package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/ar"
)

// planAccept takes the schedule staff offered: the plan is active.
func (s *Server) planAccept(w http.ResponseWriter, r *http.Request, ds *debtorSession) error {
	return s.planStep(w, r, ds, ar.PlanOffered, "accepted", func(c *ar.Creditor, id int64) error {
		return s.Plans.Accept(r.Context(), c, ds.DebtorID, id)
	})
}
