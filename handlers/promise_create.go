package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/promises"
	"github.com/settle/settle/internal/store"
	"github.com/settle/settle/views"
)

// promiseCreate records the debtor's promise to pay an amount by a date
// and shows the confirmation (303 to the page with done=1). Refused
// input comes back with translated field errors (422) and everything as
// typed.
func (s *Server) promiseCreate(w http.ResponseWriter, r *http.Request, ds *debtorSession) error {
	if err := parseForm(w, r); err != nil {
		return ar.Errorf(ar.Invalid, "error.form.unreadable")
	}
	pc, err := s.promiseContext(w, r, ds)
	if err != nil {
		return err
	}
	f := readPromiseForm(r.PostForm)
	a := f.ask()
	// The form's own check first, so that both fields get their message;
	// Make checks again against the account as it is in its transaction.
	err = promises.Check(a, pc.openMinor, pc.creditor.Currency, pc.first, pc.last)
	if pc.openMinor <= 0 {
		err = ar.Errorf(ar.Conflict, "error.promise.nothing_open")
	}
	if err == nil {
		actor, staffID := ds.actor()
		var p *store.Promise
		if p, err = s.Promises.Make(r.Context(), pc.creditor, ds.DebtorID, a, promises.By{Actor: actor, StaffID: staffID}); err == nil {
			s.Log.InfoContext(r.Context(), "promise made", "id", RequestID(r.Context()), "promise", p.ID)
			return redirect(w, r, "/account/promise?done=1")
		}
	}
	vm := pc.vm(f, s.Plans != nil)
	status, err := pc.promiseError(&vm, err)
	if err != nil {
		return err
	}
	return s.render(w, r, status, pc.page, views.PromisePage(vm))
}
