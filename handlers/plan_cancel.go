package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/ar"
)

// planCancel withdraws a request that staff have not decided yet.
func (s *Server) planCancel(w http.ResponseWriter, r *http.Request, ds *debtorSession) error {
	return s.planStep(w, r, ds, ar.PlanRequested, "withdrawn", func(c *ar.Creditor, id int64) error {
		return s.Plans.Cancel(r.Context(), c, ds.DebtorID, nil, id)
	})
}
