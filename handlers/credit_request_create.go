package handlers

import (
	"net/http"

	"github.com/settle/settle/views"
)

// creditRequestCreate opens the credit request the debtor submitted and
// sends them to its page (303). Anything refused comes back to the form
// with everything typed kept and nothing stored but the files that
// passed, kept for the next try as for a dispute (dispute_staged.go); an
// invoice that is not the debtor's is refused like a missing one.
func (s *Server) creditRequestCreate(w http.ResponseWriter, r *http.Request, ds *debtorSession) error {
	if err := s.disputesOn(); err != nil {
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
	f := readCreditForm(u.values)
	in := f.input()
	in.Files = u.files
	in.Staged = stagedIDs(u.values) // files kept from a refused try (dispute_staged.go)
	if u.overflow {
		overflowed(&in.Invalid)
	}
	if ds.AssistedBy != 0 {
		id := ds.AssistedBy
		in.AssistedBy = &id
	}
	d, err := s.Disputes.RequestCredit(r.Context(), p.creditor, ds.DebtorID, in)
	if err == nil {
		s.Log.InfoContext(r.Context(), "credit request opened", "id", RequestID(r.Context()), "dispute", d.PublicID,
			"files", len(in.Files))
		return redirect(w, r, disputePath(d.PublicID, "?done=credit_opened"))
	}
	kept := keptFiles(err)
	fe, err := disputeErrors(s.Catalog.Locale(s.language(w, r, p)), err)
	if err != nil {
		return err
	}
	vm, err := s.creditFormVM(r.Context(), ds, f)
	if err != nil {
		return err
	}
	vm.Errors, vm.FileErrors, vm.ErrorKey, vm.ErrorArgs, vm.Existing = fe.fields, fe.files, fe.key, fe.args, fe.existing
	vm.Kept, vm.FilesDropped = kept, filesDropped(u, kept)
	return s.render(w, r, fe.status, p, views.CreditRequestFormPage(vm))
}
