package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/disputes"
	"github.com/settle/settle/views"
)

// disputeMessage adds the debtor's message (and files) to one of their
// disputes and shows it again (303). A dispute decided meanwhile is not
// an error: the page says it is closed. Refused input comes back with
// the text kept, each refused file named and the others kept. Anyone else's dispute is a
// 404 before anything is read.
func (s *Server) disputeMessage(w http.ResponseWriter, r *http.Request, ds *debtorSession) error {
	if err := s.disputesOn(); err != nil {
		return err
	}
	d, inv, err := s.debtorDispute(r.Context(), ds, r.PathValue("dispute"))
	if err != nil {
		return err
	}
	u, err := s.readDisputeUpload(w, r)
	defer u.cleanup()
	if err != nil {
		return err
	}
	p, err := s.debtorPage(r.Context(), ds)
	if err != nil {
		return err
	}
	in := disputes.MessageInput{Body: u.values.Get("message"), Files: u.files,
		Staged: stagedIDs(u.values)} // files kept from a refused try (dispute_staged.go)
	if u.overflow {
		overflowed(&in.Invalid)
	}
	if ds.AssistedBy != 0 {
		id := ds.AssistedBy
		in.AssistedBy = &id
	}
	_, err = s.Disputes.DebtorMessage(r.Context(), p.creditor, ds.DebtorID, d.PublicID, in)
	kept := keptFiles(err)
	switch {
	case err == nil:
		return redirect(w, r, disputePath(d.PublicID, "?done=sent#conversation-title"))
	case ar.ErrorCode(err) == ar.Conflict:
		return redirect(w, r, disputePath(d.PublicID, "?done=closed"))
	}
	fe, err := disputeErrors(s.Catalog.Locale(s.language(w, r, p)), err)
	if err != nil {
		return err
	}
	vm, err := s.debtorDisputeVM(r.Context(), p.creditor, d, inv)
	if err != nil {
		return err
	}
	vm.Form.Message, vm.Form.Errors, vm.Form.FileErrors, vm.Form.ErrorKey = u.values.Get("message"), fe.fields, fe.files, fe.key
	vm.Form.Kept, vm.Form.FilesDropped = kept, filesDropped(u, kept)
	return s.render(w, r, fe.status, p, views.DisputePage(vm))
}
