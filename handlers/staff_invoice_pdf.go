package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/i18n"
)

// staffInvoicePDF sends staff the copy of a debtor's invoice, in the
// debtor's language (what the debtor sees), and audits it.
func (s *Server) staffInvoicePDF(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	id, err := debtorParam(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	d, err := s.Store.Debtor(ctx, sc.creditorID(), id)
	if err != nil {
		return err
	}
	inv, err := s.Store.Invoice(ctx, sc.creditorID(), d.ID, r.PathValue("invoice"))
	if err != nil {
		return err
	}
	lang := d.Language
	if !i18n.Supported(lang) {
		lang = sc.creditor.DefaultLanguage
	}
	pdf, err := s.invoicePDFBytes(r, s.Catalog.Locale(lang), sc.creditor, d, inv)
	if err != nil {
		return err
	}
	if err := s.Store.AddAudit(ctx, &sc.sess.User.ID, &sc.creditor.ID, "invoice.downloaded", d.CustomerNumber, nil,
		map[string]any{"invoice": inv.Number}); err != nil {
		return err
	}
	return writePDF(w, pdfName(inv.Number), pdf)
}
