package handlers

import (
	"net/http"
	"time"

	"github.com/settle/settle/internal/ar"
)

// staffLettersDownload sends the creditor's letters waiting for print
// (up to ?upto=, the newest the outbox showed) as one PDF for duplex
// printing. It changes no letter (a failed print is downloaded again);
// each download issues new document links for the letters' QR codes and
// is recorded in the audit log (the letters carry personal data).
func (s *Server) staffLettersDownload(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	ctx := r.Context()
	x, err := s.letters().ExportLetters(ctx, sc.creditor, lettersUpTo(r.URL.Query().Get("upto")), true)
	if err != nil {
		return err
	}
	if len(x.IDs) == 0 {
		return ar.Errorf(ar.NotFound, "error.staff.letters.none")
	}
	staffID, creditorID := sc.sess.User.ID, sc.creditorID()
	if err := s.Store.AddAudit(ctx, &staffID, &creditorID, "letters.downloaded", "creditor:"+sc.creditor.Slug, nil,
		map[string]any{"letters": x.IDs}); err != nil {
		return err
	}
	return writePDF(w, "Letters-"+sc.creditor.Slug+"-"+sc.creditor.Today(s.Now()).Format(time.DateOnly)+".pdf", x.PDF)
}
