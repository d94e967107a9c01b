package handlers

import (
	"net/http"
	"strconv"
)

// staffOutboxLetter sends one dunning letter of the outbox as a PDF (as
// printed, with today's ledger and a new document link for its QR code);
// a message that is no dunning letter, or another creditor's, is a 404.
func (s *Server) staffOutboxLetter(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	id, err := pathID(r, "letter")
	if err != nil {
		return err
	}
	pdf, err := s.letters().LetterPDF(r.Context(), sc.creditor, id)
	if err != nil {
		return err
	}
	return writePDF(w, "Letter-"+strconv.FormatInt(id, 10)+".pdf", pdf)
}
