package handlers

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/settle/settle/internal/i18n"
)

// staffCreditNotePDF sends staff a debtor's credit note as the debtor
// gets it (in the debtor's language), and audits it.
func (s *Server) staffCreditNotePDF(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	id, err := debtorParam(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	d, err := s.Store.Debtor(ctx, sc.creditorID(), id)
	if err != nil {
		return err
	}
	cn, err := s.Store.CreditNoteByNumber(ctx, sc.creditorID(), d.ID, r.PathValue("creditnote"))
	if err != nil {
		return err
	}
	lang := d.Language
	if !i18n.Supported(lang) {
		lang = sc.creditor.DefaultLanguage
	}
	pdf, err := s.creditNotePDFBytes(r, s.Catalog.Locale(lang), sc.creditor, d, cn)
	if err != nil {
		return err
	}
	if err := s.Store.AddAudit(ctx, &sc.sess.User.ID, &sc.creditor.ID, "credit_note.downloaded", d.CustomerNumber, nil,
		map[string]any{"credit_note": cn.Number}); err != nil {
		return err
	}
	return writePDF(w, creditNotePDFName(cn.Number), pdf)
}

// staffCreditNotePath is a credit note's PDF in the back office.
func staffCreditNotePath(debtorID int64, number string) string {
	return "/staff/debtors/" + strconv.FormatInt(debtorID, 10) + "/credit-notes/" + url.PathEscape(number) + "/pdf"
}
