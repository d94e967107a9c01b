package handlers

import (
	"net/http"

	"github.com/settle/settle/views"
)

// staffHome is where staff land: the search box first (a caller is on
// the line), then the work waiting in the queues.
func (s *Server) staffHome(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	counts, err := s.Store.OpenTaskCounts(r.Context(), sc.creditorID(), s.Now())
	if err != nil {
		return err
	}
	vm := views.StaffHomeVM{}
	for _, k := range taskKinds {
		vm.Queues = append(vm.Queues, views.QueueCount{Kind: k, Open: counts[k].Open, Late: counts[k].Late})
	}
	return s.renderStaff(w, r, http.StatusOK, sc, views.StaffHomePage(vm))
}

// taskKinds are the work queues, in the order staff see them.
var taskKinds = []string{"callback", "dispute", "plan_request", "overpayment", "chargeback"}

// queueAlias keeps the URLs of DESIGN.md (/staff/disputes, /staff/plans)
// working: they are the queue of that kind.
func (s *Server) queueAlias(kind string) staffHandler {
	return func(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
		w.Header().Set("Location", "/staff/queues?kind="+kind)
		w.WriteHeader(http.StatusSeeOther)
		return nil
	}
}
