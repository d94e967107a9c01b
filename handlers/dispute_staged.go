package handlers

// Kept files of the debtor's dispute forms (internal/disputes/staged.go):
// the form carries the public ids of files kept from a refused try as
// "staged"; a refused submission shows the files kept for the next one.

import (
	"errors"
	"net/url"

	"github.com/settle/settle/internal/disputes"
	"github.com/settle/settle/views"
)

// stagedIDs are the kept files a dispute form carries.
func stagedIDs(v url.Values) []string { return v["staged"] }

// keptFiles are the files a refused submission kept, for the page.
func keptFiles(err error) []views.KeptFileVM {
	var r *disputes.Refused
	if !errors.As(err, &r) {
		return nil
	}
	out := make([]views.KeptFileVM, 0, len(r.Kept))
	for _, k := range r.Kept {
		out = append(out, views.KeptFileVM{PublicID: k.PublicID, Name: k.Name, MediaType: k.MediaType, Size: k.Size})
	}
	return out
}

// filesDropped reports whether files were sent that the page must ask
// for again: the body was cut off, or files were sent and none kept
// (the submission was refused before they were looked at).
func filesDropped(u *disputeUpload, kept []views.KeptFileVM) bool {
	return u.overflow || (len(u.files) > 0 && len(kept) == 0)
}
