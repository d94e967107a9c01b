package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/ar"
)

// outboxHTMLPolicy is the CSP of an email's HTML shown to staff: the
// email is someone else's markup (templates, names and texts from the
// creditor's systems), so it runs no script, loads nothing (images only
// as data: URLs, so no tracking pixels), submits no form and lives in a
// sandbox: an opaque origin without our cookies or storage.
const outboxHTMLPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; " +
	"form-action 'none'; frame-ancestors 'none'; sandbox"

// staffOutboxHTML serves the HTML version of an email as it was sent,
// under outboxHTMLPolicy.
func (s *Server) staffOutboxHTML(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	id, err := pathID(r, "message")
	if err != nil {
		return err
	}
	m, err := s.Store.OutboxMessage(r.Context(), sc.creditorID(), id)
	if err != nil {
		return err
	}
	if m.HTMLBody == "" {
		return ar.Errorf(ar.NotFound, "error.not_found")
	}
	h := w.Header()
	h.Set("Content-Security-Policy", outboxHTMLPolicy)
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Disposition", "inline")
	h.Set("Cache-Control", "no-store")
	_, err = w.Write([]byte(s.redactMessage(m.HTMLBody, m.Purpose)))
	return err
}
