package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/ar"
)

// staffLettersPost marks the letters of the last download (up to the
// form's upto) as posted: status sent, provider "print:<date>"; letters
// whose invoices were settled meanwhile are cancelled. One transaction
// with the audit entry; 303 to the outbox.
func (s *Server) staffLettersPost(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	if err := parseForm(w, r); err != nil {
		return ar.Errorf(ar.Invalid, "error.form")
	}
	upTo := lettersUpTo(r.PostForm.Get("upto"))
	if upTo == 0 {
		return ar.Errorf(ar.Invalid, "error.staff.letters.none")
	}
	ctx := r.Context()
	e := s.letters()
	x, err := e.PendingLetters(ctx, sc.creditor, upTo)
	if err != nil {
		return err
	}
	if len(x.IDs)+len(x.Settled) == 0 {
		return ar.Errorf(ar.NotFound, "error.staff.letters.none")
	}
	staffID := sc.sess.User.ID
	if _, err := e.MarkLettersPosted(ctx, sc.creditor, x, &staffID); err != nil {
		return err
	}
	return redirect(w, r, "/staff/outbox?done=posted")
}
