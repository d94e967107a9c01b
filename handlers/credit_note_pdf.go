package handlers

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/docs"
	"github.com/settle/settle/internal/i18n"
	"github.com/settle/settle/internal/store"
)

// creditNotePDF sends one of the debtor's credit notes (from the
// creditor's API or an accepted dispute) as a PDF in the creditor's brand
// and the debtor's language. Another debtor's or creditor's number is a
// 404.
func (s *Server) creditNotePDF(w http.ResponseWriter, r *http.Request, ds *debtorSession) error {
	ctx := r.Context()
	cn, err := s.Store.CreditNoteByNumber(ctx, ds.CreditorID, ds.DebtorID, r.PathValue("creditnote"))
	if err != nil {
		return err
	}
	p, err := s.debtorPage(ctx, ds)
	if err != nil {
		return err
	}
	d, err := s.Store.Debtor(ctx, p.creditor.ID, ds.DebtorID)
	if err != nil {
		return err
	}
	pdf, err := s.creditNotePDFBytes(r, s.Catalog.Locale(s.language(w, r, p)), p.creditor, d, cn)
	if err != nil {
		return err
	}
	return writePDF(w, creditNotePDFName(cn.Number), pdf)
}

// creditNotePath is where the debtor downloads a credit note.
func creditNotePath(number string) string {
	return "/account/credit-notes/" + url.PathEscape(number) + "/pdf"
}

// creditNotePDFName is CreditNote-GS-123.pdf, with only safe characters.
func creditNotePDFName(number string) string {
	return "CreditNote-" + strings.TrimPrefix(strings.TrimSuffix(pdfName(number), ".pdf"), "Invoice-") + ".pdf"
}

// creditNotePDFBytes renders a credit note in loc's language.
func (s *Server) creditNotePDFBytes(r *http.Request, loc *i18n.Locale, c *ar.Creditor, d *ar.Debtor, cn *store.CreditNote) ([]byte, error) {
	money := func(m int64) string { return loc.Money(m, cn.Currency) }
	title := loc.T("doc.credit_note.title", "Number", cn.Number)
	doc := docs.CreditNoteDoc{
		Letterhead: docs.Letterhead{BrandColor: c.PrimaryColor, CreditorName: c.Name, CreditorAddress: letterAddress(c),
			CreditorContact: letterContact(c), LegalFooter: c.LegalFooter, Title: title, Created: s.Now()},
		DebtorLines: debtorLetterLines(d),
		Facts: [][2]string{{loc.T("doc.credit_note.number"), cn.Number}, {loc.T("doc.credit_note.issued"), loc.Date(cn.IssueDate)},
			{loc.T("doc.invoice.customer_number"), d.CustomerNumber}},
		ReasonLabel: loc.T("doc.credit_note.reason"),
		Reason:      creditNoteReason(loc, cn.Reason),
		Amounts:     [][2]string{{loc.T("doc.credit_note.amount"), money(cn.AmountMinor)}},
		Text:        loc.T("doc.credit_note.on_account"),
	}
	doc.Logo, doc.LogoType, _ = s.Store.CreditorPrintLogo(r.Context(), c.ID)
	if cn.InvoiceNumber != "" {
		doc.Facts = append(doc.Facts, [2]string{loc.T("doc.credit_note.invoice"), cn.InvoiceNumber})
		if cn.OpenAfterMinor != nil {
			doc.Amounts = append(doc.Amounts, [2]string{loc.T("doc.credit_note.open_after", "Number", cn.InvoiceNumber),
				money(max(*cn.OpenAfterMinor, 0))})
		}
		doc.Text = loc.T("doc.credit_note.on_invoice", "Number", cn.InvoiceNumber)
	}
	var buf bytes.Buffer
	if err := docs.RenderCreditNotePDF(&buf, doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// creditNoteReason is the reason as the debtor reads it: an accepted
// dispute's credit note says so in their language (the stored reason is
// "dispute <id>", see disputes.Accept).
func creditNoteReason(loc *i18n.Locale, reason string) string {
	if id, ok := strings.CutPrefix(reason, "dispute "); ok && id != "" && !strings.ContainsRune(id, ' ') {
		return loc.T("doc.credit_note.reason_dispute", "Dispute", id)
	}
	return reason
}

// debtorLetterLines are the debtor's name and address as a letter's
// recipient, one line each.
func debtorLetterLines(d *ar.Debtor) []string {
	lines := []string{d.Name}
	if d.Street != "" {
		lines = append(lines, d.Street)
	}
	if d.Postcode != "" || d.City != "" {
		lines = append(lines, strings.TrimSpace(d.Postcode+" "+d.City))
	}
	return lines
}
