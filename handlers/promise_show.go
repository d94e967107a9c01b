package handlers

import (
	"net/http"

	"github.com/settle/settle/views"
)

// promiseShow is "I promise to pay by a date": the form (filled with the
// open promise, if any, which a new one replaces), or after a promise
// (?done=1) the confirmation with its date.
func (s *Server) promiseShow(w http.ResponseWriter, r *http.Request, ds *debtorSession) error {
	pc, err := s.promiseContext(w, r, ds)
	if err != nil {
		return err
	}
	vm := pc.vm(pc.defaultForm(), s.Plans != nil)
	if r.URL.Query().Get("done") == "1" && pc.current != nil {
		vm.Done = promiseNotice(pc.current)
	}
	return s.render(w, r, http.StatusOK, pc.page, views.PromisePage(vm))
}
