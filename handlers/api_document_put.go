package handlers

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/settle/settle/internal/ar"
)

// maxDocument caps an uploaded invoice PDF.
const maxDocument = 10 << 20

// apiDocumentPut stores the original PDF of an invoice, the copy debtors
// download. The body is the PDF itself; it is checked by content (a PDF
// header and trailer), not by the name or type the client claims.
func (s *Server) apiDocumentPut(w http.ResponseWriter, r *http.Request, c *ar.Creditor, body []byte) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/pdf") {
		return ar.FieldError("Content-Type", "error.api.document_type", nil)
	}
	if !looksLikePDF(body) {
		return ar.FieldError("body", "error.api.document_pdf", nil)
	}
	inv, err := s.Store.InvoiceByNumber(r.Context(), c.ID, r.PathValue("invoice_number"))
	if err != nil {
		return err
	}
	sum := sha256.Sum256(body)
	if err := s.Store.PutInvoiceDocument(r.Context(), c.ID, inv.ID, body, sum[:]); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"invoice_number": inv.Number, "size": len(body),
		"sha256": hex.EncodeToString(sum[:])})
}

// looksLikePDF checks for the %PDF- header and an %%EOF trailer near the
// end, which every PDF writer produces.
func looksLikePDF(b []byte) bool {
	if len(b) < 64 || !bytes.HasPrefix(b, []byte("%PDF-")) {
		return false
	}
	tail := b[max(0, len(b)-1024):]
	return bytes.Contains(tail, []byte("%%EOF"))
}
