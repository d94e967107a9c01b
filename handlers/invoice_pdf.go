package handlers

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/docs"
	"github.com/settle/settle/internal/i18n"
)

// invoicePDF sends the copy of one of the debtor's invoices: the original
// the creditor uploaded, else one rendered in the creditor's brand and the
// debtor's language, with what is still open, a QR code to the portal (a
// fresh link of its own, not the session) and a GiroCode.
func (s *Server) invoicePDF(w http.ResponseWriter, r *http.Request, ds *debtorSession) error {
	ctx := r.Context()
	inv, err := s.Portal.Invoice(ctx, ds.CreditorID, ds.DebtorID, r.PathValue("number"))
	if err != nil {
		return err
	}
	p, err := s.debtorPage(ctx, ds)
	if err != nil {
		return err
	}
	c := p.creditor
	d, err := s.Store.Debtor(ctx, c.ID, ds.DebtorID)
	if err != nil {
		return err
	}
	pdf, err := s.invoicePDFBytes(r, s.Catalog.Locale(s.language(w, r, p)), c, d, inv)
	if err != nil {
		return err
	}
	actor, staffID := ds.actor()
	if err := s.Store.AddInteraction(ctx, &ar.Interaction{CreditorID: c.ID, DebtorID: d.ID, InvoiceID: &inv.ID,
		Kind: "invoice.copy_downloaded", Actor: actor, StaffID: staffID, Visibility: ar.VisibleToCustomer,
		Data: map[string]any{"number": inv.Number}}); err != nil {
		return err
	}
	return writePDF(w, pdfName(inv.Number), pdf)
}

// invoicePDFBytes is the original the creditor uploaded, else a copy
// rendered in loc's language.
func (s *Server) invoicePDFBytes(r *http.Request, loc *i18n.Locale, c *ar.Creditor, d *ar.Debtor, inv *ar.Invoice) ([]byte, error) {
	pdf, err := s.Store.InvoiceDocument(r.Context(), c.ID, d.ID, inv.ID)
	if ar.IsNotFound(err) {
		var buf bytes.Buffer
		if err := docs.RenderInvoicePDF(&buf, s.invoiceDoc(r, loc, c, d, inv)); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
	return pdf, err
}

// writePDF sends a PDF as a download that is never cached.
func writePDF(w http.ResponseWriter, name string, pdf []byte) error {
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, name))
	h.Set("Cache-Control", "private, no-store")
	_, err := w.Write(pdf)
	return err
}

// pdfName is Invoice-2026-000123.pdf, with only safe characters.
func pdfName(number string) string {
	return "Invoice-" + strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '_'
	}, number) + ".pdf"
}

func (s *Server) invoiceDoc(r *http.Request, loc *i18n.Locale, c *ar.Creditor, d *ar.Debtor, inv *ar.Invoice) docs.InvoiceDoc {
	money := func(m int64) string { return loc.Money(m, inv.Currency) }
	doc := docs.InvoiceDoc{
		BrandColor: c.PrimaryColor, CreditorName: c.Name, CreditorAddress: letterAddress(c),
		CreditorContact: letterContact(c), LegalFooter: c.LegalFooter,
		Title: loc.T("page.invoice.heading", "Number", inv.Number),
		Facts: [][2]string{{loc.T("page.invoice.issued"), loc.Date(inv.IssueDate)}, {loc.T("page.invoice.due"), loc.Date(inv.DueDate)},
			{loc.T("doc.invoice.customer_number"), d.CustomerNumber}},
		LineHeader: [4]string{loc.T("doc.invoice.description"), loc.T("doc.invoice.quantity"), loc.T("doc.invoice.unit_price"), loc.T("doc.invoice.amount")},
		Created:    s.Now(),
	}
	doc.Logo, doc.LogoType, _ = s.Store.CreditorPrintLogo(r.Context(), c.ID)
	doc.DebtorLines = []string{d.Name}
	if d.Street != "" {
		doc.DebtorLines = append(doc.DebtorLines, d.Street)
	}
	if d.Postcode != "" || d.City != "" {
		doc.DebtorLines = append(doc.DebtorLines, strings.TrimSpace(d.Postcode+" "+d.City))
	}
	for _, l := range inv.Lines {
		doc.Lines = append(doc.Lines, [4]string{l.Description, loc.Quantity(l.QuantityMilli), money(l.UnitPriceMinor), money(l.NetMinor)})
	}
	doc.Totals = append(doc.Totals, [2]string{loc.T("page.invoice.net"), money(inv.NetMinor)})
	for _, t := range ar.TaxGroups(inv.Lines) {
		doc.Totals = append(doc.Totals, [2]string{loc.T("page.invoice.tax", "Rate", loc.Percent(t.RateBP), "Base", money(t.NetMinor)), money(t.TaxMinor)})
	}
	doc.Totals = append(doc.Totals, [2]string{loc.T("page.invoice.total"), money(inv.TotalMinor)})
	if inv.PaidMinor != 0 {
		doc.Totals = append(doc.Totals, [2]string{loc.T("page.invoice.paid"), money(-inv.PaidMinor)})
	}
	doc.Totals = append(doc.Totals, [2]string{loc.T("page.invoice.open"), money(inv.OpenMinor)})
	if inv.OpenMinor > 0 {
		// A QR code to the portal: a fresh link of its own, expiring like any
		// link; the session is never put on paper.
		if token, err := s.Portal.IssueDocumentLink(r.Context(), c, d.ID); err == nil {
			doc.PortalQR = s.Portal.LinkURL(token)
			doc.PortalCaption = loc.T("doc.invoice.portal_qr")
		}
		if c.BankIBAN != "" {
			ref := ar.TransferReference(d.CustomerNumber)
			doc.PaymentText = loc.T("doc.invoice.payment_text", "Amount", money(inv.OpenMinor), "Date", loc.Date(inv.DueDate),
				"IBAN", ar.FormatIBAN(c.BankIBAN), "Reference", ref)
			if payload, err := docs.EPCPayload(docs.Transfer{Name: firstNonEmpty(c.BankHolder, c.LegalName, c.Name), IBAN: c.BankIBAN,
				BIC: c.BankBIC, AmountMinor: inv.OpenMinor, Reference: ref}); err == nil && inv.Currency == "EUR" {
				doc.TransferQR = payload
				doc.TransferCaption = loc.T("doc.invoice.transfer_qr")
			}
		}
	}
	return doc
}

// letterAddress is the creditor's postal address on one line.
func letterAddress(c *ar.Creditor) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(c.Address, "\n", " · ")), " ")
}

// letterContact is the creditor's phone and email, as far as known.
func letterContact(c *ar.Creditor) string {
	var parts []string
	for _, x := range []string{c.SupportPhone, c.SupportEmail} {
		if x != "" {
			parts = append(parts, x)
		}
	}
	return strings.Join(parts, " · ")
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
