package handlers

import (
	"net/http"

	"github.com/settle/settle/views"
)

// staffDisputeShow is a dispute's page: customer, invoice and lines,
// reason, what is held, payment details, the conversation with its
// files, and the reply form for staff who decide. Another creditor's
// dispute is a 404.
func (s *Server) staffDisputeShow(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	id, err := disputeParam(r)
	if err != nil {
		return err
	}
	vm, err := s.staffDisputeDecideVM(w, r, sc, id)
	if err != nil {
		return err
	}
	vm.Notice = staffDisputeNotices[r.URL.Query().Get("done")]
	return s.renderStaff(w, r, http.StatusOK, sc, views.StaffDisputePage(vm))
}
