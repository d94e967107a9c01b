package handlers

import (
	"net/http"
	"slices"
	"strings"

	"github.com/settle/settle/internal/settings"
	"github.com/settle/settle/views"
)

// staffDisputeReasonsSave stores the reasons as the form has them, in
// the order of its rows, with one move applied when an up/down button
// was pressed (move=up:<code> or down:<code>). Refused input comes back
// (422) with everything typed and what is wrong, in the staff member's
// language.
func (s *Server) staffDisputeReasonsSave(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	codes := r.PostForm["code"]
	if len(codes) > 2*settings.MaxDisputeReasons {
		codes = codes[:2*settings.MaxDisputeReasons]
	}
	offered := r.PostForm["offered"]
	f := settings.ReasonsForm{NewLabel: r.PostForm.Get("new_label"), NewCode: r.PostForm.Get("new_code")}
	for _, c := range codes {
		f.Rows = append(f.Rows, settings.ReasonRow{Code: c, Label: r.PostForm.Get("label." + c),
			Offered: slices.Contains(offered, c)})
	}
	if dir, code, ok := strings.Cut(r.PostForm.Get("move"), ":"); ok {
		moveReason(f.Rows, code, dir)
	}
	_, err := s.settings.SaveDisputeReasons(r.Context(), settings.Actor{StaffID: sc.sess.User.ID, CreditorID: sc.creditorID()}, f)
	if err == nil {
		return redirect(w, r, "/staff/settings/dispute-reasons?saved=1")
	}
	fe, err := disputeErrors(s.staffLocale(w, r, sc), err)
	if err != nil {
		return err
	}
	vm := disputeReasonsVM(f.Rows, fe.fields)
	vm.NewLabel, vm.NewCode = f.NewLabel, f.NewCode
	return s.renderStaff(w, r, http.StatusUnprocessableEntity, sc, views.StaffDisputeReasonsPage(vm))
}

// moveReason moves the row with code one place up or down.
func moveReason(rows []settings.ReasonRow, code, dir string) {
	i := slices.IndexFunc(rows, func(r settings.ReasonRow) bool { return r.Code == code })
	switch {
	case i < 0:
	case dir == "up" && i > 0:
		rows[i-1], rows[i] = rows[i], rows[i-1]
	case dir == "down" && i < len(rows)-1:
		rows[i], rows[i+1] = rows[i+1], rows[i]
	}
}
