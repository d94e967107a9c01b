package handlers

import (
	"bytes"
	"fmt"
	"net/http"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/docs"
)

// apiInvoicePDF returns an invoice copy as the debtor gets it: the
// uploaded original, else the rendered copy in the debtor's language.
func (s *Server) apiInvoicePDF(w http.ResponseWriter, r *http.Request, c *ar.Creditor, _ []byte) error {
	ctx := r.Context()
	found, err := s.Store.InvoiceByNumber(ctx, c.ID, r.PathValue("invoice_number"))
	if err != nil {
		return err
	}
	d, err := s.Store.Debtor(ctx, c.ID, found.DebtorID)
	if err != nil {
		return err
	}
	inv, err := s.Store.Invoice(ctx, c.ID, d.ID, found.Number)
	if err != nil {
		return err
	}
	pdf, err := s.Store.InvoiceDocument(ctx, c.ID, d.ID, inv.ID)
	if ar.IsNotFound(err) {
		lang := d.Language
		if lang == "" {
			lang = c.DefaultLanguage
		}
		var buf bytes.Buffer
		if err := docs.RenderInvoicePDF(&buf, s.invoiceDoc(r, s.Catalog.Locale(lang), c, d, inv)); err != nil {
			return err
		}
		pdf = buf.Bytes()
	} else if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, pdfName(inv.Number)))
	h.Set("Cache-Control", "no-store")
	_, err = w.Write(pdf)
	return err
}

type apiStatementLine struct {
	ValueDate     string `json:"value_date"`
	Kind          string `json:"kind"`
	InvoiceNumber string `json:"invoice_number,omitempty"`
	Reference     string `json:"reference,omitempty"`
	Document      string `json:"document,omitempty"` // invoice, credit note number or payment reference
	AmountMinor   int64  `json:"amount_minor"`
	BalanceMinor  int64  `json:"balance_minor"`
}

// apiStatement is a debtor's statement as JSON: ?from=&to= (default: the
// last twelve months).
func (s *Server) apiStatement(w http.ResponseWriter, r *http.Request, c *ar.Creditor, _ []byte) error {
	ctx := r.Context()
	d, err := s.Store.DebtorByNumber(ctx, c.ID, r.PathValue("customer_number"))
	if err != nil {
		return err
	}
	today := c.Today(s.Now())
	from, to := today.AddDate(-1, 0, 1), today
	q := r.URL.Query()
	if v := q.Get("from"); v != "" {
		if from, err = time.Parse("2006-01-02", v); err != nil {
			return ar.FieldError("from", "error.api.date", nil)
		}
	}
	if v := q.Get("to"); v != "" {
		if to, err = time.Parse("2006-01-02", v); err != nil {
			return ar.FieldError("to", "error.api.date", nil)
		}
	}
	if to.Before(from) {
		return ar.FieldError("to", "error.statement.order", nil)
	}
	opening, lines, err := s.Store.Statement(ctx, c.ID, d.ID, from, to)
	if err != nil {
		return err
	}
	out := struct {
		CustomerNumber string             `json:"customer_number"`
		Currency       string             `json:"currency"`
		From           string             `json:"from"`
		To             string             `json:"to"`
		OpeningMinor   int64              `json:"opening_balance_minor"`
		ClosingMinor   int64              `json:"closing_balance_minor"`
		Entries        []apiStatementLine `json:"entries"`
	}{CustomerNumber: d.CustomerNumber, Currency: c.Currency, From: from.Format("2006-01-02"), To: to.Format("2006-01-02"),
		OpeningMinor: opening, Entries: []apiStatementLine{}}
	bal := opening
	for _, l := range lines {
		bal += l.AmountMinor
		out.Entries = append(out.Entries, apiStatementLine{ValueDate: l.ValueDate.Format("2006-01-02"), Kind: l.Kind,
			InvoiceNumber: l.InvoiceNumber, Reference: l.Reference, Document: l.Document, AmountMinor: l.AmountMinor, BalanceMinor: bal})
	}
	out.ClosingMinor = bal
	return writeJSON(w, http.StatusOK, out)
}
