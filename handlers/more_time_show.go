package handlers

import (
	"net/http"

	"github.com/settle/settle/views"
)

// moreTimeShow is "I need more time": the open invoices no plan holds
// (all chosen, or the ones ?invoice= names), a deferral or instalments,
// and a reason for staff. Without plans it points to the help page.
func (s *Server) moreTimeShow(w http.ResponseWriter, r *http.Request, ds *debtorSession) error {
	if s.Plans == nil {
		return redirect(w, r, "/account/help#time")
	}
	pc, err := s.planContext(w, r, ds)
	if err != nil {
		return err
	}
	vm := pc.moreTimeVM(pc.defaultPlanForm(r.URL.Query()["invoice"]))
	return s.render(w, r, http.StatusOK, pc.page, views.MoreTimePage(vm))
}
