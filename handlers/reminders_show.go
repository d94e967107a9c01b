package handlers

import (
	"net/http"

	"github.com/settle/settle/views"
)

// remindersShow is "how do you want to be reminded": the debtor's
// channel, language and preferred day, within what the creditor allows;
// after saving (?saved=1, or ?saved=0 when nothing changed) with the
// confirmation.
func (s *Server) remindersShow(w http.ResponseWriter, r *http.Request, ds *debtorSession) error {
	rc, err := s.remindersContext(r, ds)
	if err != nil {
		return err
	}
	lang := s.language(w, r, rc.page)
	vm := rc.vm(rc.storedAsk(lang))
	switch r.URL.Query().Get("saved") {
	case "1":
		vm.Saved = true
	case "0":
		vm.Unchanged = true
	}
	return s.render(w, r, http.StatusOK, rc.page, views.RemindersPage(vm))
}
