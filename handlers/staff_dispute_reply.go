package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/disputes"
	"github.com/settle/settle/views"
)

// staffDisputeReply writes to the debtor on a dispute (with files): the
// debtor sees it on the dispute's page and is told by their preferred
// channel. Refused input comes back with the text kept; a dispute
// decided meanwhile says so. Another creditor's dispute is a 404 before
// anything is read.
func (s *Server) staffDisputeReply(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	id, err := disputeParam(r)
	if err != nil {
		return err
	}
	if err := s.disputesOn(); err != nil {
		return err
	}
	if _, err := s.Store.Dispute(r.Context(), sc.creditorID(), id, false); err != nil {
		return err
	}
	u, err := s.readDisputeUpload(w, r)
	defer u.cleanup()
	if err != nil {
		return err
	}
	in := disputes.MessageInput{Body: u.values.Get("message"), Files: u.files}
	if u.overflow {
		overflowed(&in.Invalid)
	}
	_, err = s.Disputes.StaffReply(r.Context(), sc.creditor, sc.sess.User.ID, id, in)
	switch {
	case err == nil:
		return redirect(w, r, staffDisputePath(id, "?done=replied"))
	case ar.ErrorCode(err) == ar.Conflict:
		return redirect(w, r, staffDisputePath(id, "?done=closed"))
	}
	fe, err := disputeErrors(s.staffLocale(w, r, sc), err)
	if err != nil {
		return err
	}
	vm, err := s.staffDisputeVM(r, sc, id)
	if err != nil {
		return err
	}
	vm.Form.Message, vm.Form.Errors, vm.Form.FileErrors, vm.Form.ErrorKey = u.values.Get("message"), fe.fields, fe.files, fe.key
	vm.Form.FilesDropped = len(in.Files) > 0
	return s.renderStaff(w, r, fe.status, sc, views.StaffDisputePage(vm))
}
