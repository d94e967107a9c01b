package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/settings"
	"github.com/settle/settle/views"
)

// staffDisputeReasonsShow is the settings page for the reasons debtors
// may choose when they dispute an invoice: the offered ones in order,
// then the standard ones switched off, and a form for a new one.
func (s *Server) staffDisputeReasonsShow(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	list, err := s.Store.DisputeReasons(r.Context(), sc.creditorID())
	if err != nil {
		return err
	}
	vm := disputeReasonsVM(settings.ReasonRows(list), nil)
	if r.URL.Query().Get("saved") == "1" {
		vm.Notice = "staff.dispute_reasons.saved"
	}
	return s.renderStaff(w, r, http.StatusOK, sc, views.StaffDisputeReasonsPage(vm))
}
