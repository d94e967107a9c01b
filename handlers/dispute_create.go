package handlers

import (
	"net/http"

	"github.com/settle/settle/views"
)

// disputeCreate opens the dispute the debtor submitted and sends them to
// its page (303). Anything refused (a reason missing, a file that is no
// PDF, PNG or JPEG, one too large) comes back to the form with
// everything typed kept, each refused file named with the reason, and
// nothing stored but the files that passed, kept for the next try. Another debtor's invoice is a 404 before anything is
// read.
func (s *Server) disputeCreate(w http.ResponseWriter, r *http.Request, ds *debtorSession) error {
	if err := s.disputesOn(); err != nil {
		return err
	}
	inv, err := s.Portal.Invoice(r.Context(), ds.CreditorID, ds.DebtorID, r.PathValue("number"))
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
	f := readDisputeForm(u.values)
	in := f.input(inv.Number)
	in.Files = u.files
	in.Staged = stagedIDs(u.values) // files kept from a refused try (dispute_staged.go)
	if u.overflow {
		overflowed(&in.Invalid)
	}
	if ds.AssistedBy != 0 {
		id := ds.AssistedBy
		in.AssistedBy = &id
	}
	d, err := s.Disputes.Open(r.Context(), p.creditor, ds.DebtorID, in)
	if err == nil {
		s.Log.InfoContext(r.Context(), "dispute opened", "id", RequestID(r.Context()), "dispute", d.PublicID,
			"files", len(in.Files))
		return redirect(w, r, disputePath(d.PublicID, "?done=opened"))
	}
	kept := keptFiles(err)
	fe, err := disputeErrors(s.Catalog.Locale(s.language(w, r, p)), err)
	if err != nil {
		return err
	}
	vm, err := s.disputeFormVM(r.Context(), p.creditor, inv, f)
	if err != nil {
		return err
	}
	vm.Errors, vm.FileErrors, vm.ErrorKey, vm.ErrorArgs, vm.Existing = fe.fields, fe.files, fe.key, fe.args, fe.existing
	vm.Kept, vm.FilesDropped = kept, filesDropped(u, kept)
	return s.render(w, r, fe.status, p, views.DisputeFormPage(vm))
}
