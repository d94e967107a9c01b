package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/views"
)

// moreTimePreview shows the schedule the debtor's choice makes (dates,
// amounts, fee and interest, total) and whether it is approved at once
// or goes to staff, on the same page with everything as typed; refused
// input comes back with translated field errors (422). Nothing is
// stored.
func (s *Server) moreTimePreview(w http.ResponseWriter, r *http.Request, ds *debtorSession) error {
	if err := parseForm(w, r); err != nil {
		return ar.Errorf(ar.Invalid, "error.form.unreadable")
	}
	if s.Plans == nil {
		return redirect(w, r, "/account/help#time")
	}
	pc, err := s.planContext(w, r, ds)
	if err != nil {
		return err
	}
	f := readPlanForm(r.PostForm)
	vm := pc.moreTimeVM(f)
	ask, bad := f.ask(pc.policy)
	status := http.StatusOK
	if err := bad.Err(); err != nil {
		if status, err = pc.planError(&vm, f, err); err != nil {
			return err
		}
	} else if pv, err := s.Plans.Preview(r.Context(), pc.acc.Creditor, ds.DebtorID, f.Numbers, ask); err != nil {
		if status, err = pc.planError(&vm, f, err); err != nil {
			return err
		}
	} else {
		vm.Preview = previewVM(pv)
	}
	return s.render(w, r, status, pc.page, views.MoreTimePage(vm))
}
