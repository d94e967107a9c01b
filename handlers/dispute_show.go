package handlers

import (
	"net/http"

	"github.com/settle/settle/views"
)

// disputeShow is one of the debtor's disputes: where it stands, what it
// holds, the conversation with its files, and the form to write more.
// Anyone else's dispute is a 404.
func (s *Server) disputeShow(w http.ResponseWriter, r *http.Request, ds *debtorSession) error {
	if err := s.disputesOn(); err != nil {
		return err
	}
	d, inv, err := s.debtorDispute(r.Context(), ds, r.PathValue("dispute"))
	if err != nil {
		return err
	}
	p, err := s.debtorPage(r.Context(), ds)
	if err != nil {
		return err
	}
	vm, err := s.debtorDisputeVM(r.Context(), p.creditor, d, inv)
	if err != nil {
		return err
	}
	vm.Notice = disputeNotices[r.URL.Query().Get("done")]
	return s.render(w, r, http.StatusOK, p, views.DisputePage(vm))
}
