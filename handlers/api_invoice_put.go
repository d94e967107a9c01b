package handlers

import (
	"net/http"
	"strconv"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/billing"
)

type apiInvoice struct {
	InvoiceNumber  string    `json:"invoice_number"`
	CustomerNumber string    `json:"customer_number"`
	IssueDate      string    `json:"issue_date"`
	DueDate        string    `json:"due_date"`
	Currency       string    `json:"currency"`
	Description    string    `json:"description,omitempty"`
	NetMinor       int64     `json:"net_minor"`
	TaxMinor       int64     `json:"tax_minor"`
	TotalMinor     int64     `json:"total_minor"`
	OpenMinor      int64     `json:"open_minor"`
	Lines          []apiLine `json:"lines"`
}

type apiLine struct {
	Description    string `json:"description"`
	Quantity       string `json:"quantity"`
	UnitPriceMinor int64  `json:"unit_price_minor"`
	TaxRateBP      int    `json:"tax_rate_bp"`
	NetMinor       int64  `json:"net_minor"`
	TaxMinor       int64  `json:"tax_minor"`
	TotalMinor     int64  `json:"total_minor"`
}

func apiInvoiceOf(inv *ar.Invoice, customerNumber string) apiInvoice {
	a := apiInvoice{InvoiceNumber: inv.Number, CustomerNumber: customerNumber,
		IssueDate: inv.IssueDate.Format("2006-01-02"), DueDate: inv.DueDate.Format("2006-01-02"),
		Currency: inv.Currency, Description: inv.Description, NetMinor: inv.NetMinor,
		TaxMinor: inv.TaxMinor, TotalMinor: inv.TotalMinor, OpenMinor: inv.OpenMinor, Lines: []apiLine{}}
	for _, l := range inv.Lines {
		a.Lines = append(a.Lines, apiLine{Description: l.Description, Quantity: quantityString(l.QuantityMilli),
			UnitPriceMinor: l.UnitPriceMinor, TaxRateBP: l.TaxRateBP, NetMinor: l.NetMinor,
			TaxMinor: l.TaxMinor, TotalMinor: l.TotalMinor})
	}
	return a
}

// quantityString writes thousandths as a decimal: 1500 → "1.5".
func quantityString(milli int64) string {
	sign := ""
	if milli < 0 {
		sign, milli = "-", -milli
	}
	whole, frac := milli/1000, milli%1000
	s := sign + strconv.FormatInt(whole, 10)
	if frac != 0 {
		f := []byte{byte('0' + frac/100), byte('0' + frac/10%10), byte('0' + frac%10)}
		for len(f) > 0 && f[len(f)-1] == '0' {
			f = f[:len(f)-1]
		}
		s += "." + string(f)
	}
	return s
}

// apiInvoicePut creates (201) or corrects (200) an invoice; one with
// payments or credit notes booked against it is a 409.
func (s *Server) apiInvoicePut(w http.ResponseWriter, r *http.Request, c *ar.Creditor, body []byte) error {
	var in billing.InvoiceInput
	if err := decodeJSON(body, &in); err != nil {
		return err
	}
	inv, created, err := s.Billing.PutInvoice(r.Context(), c, r.PathValue("invoice_number"), in)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return writeJSON(w, status, apiInvoiceOf(inv, in.CustomerNumber))
}
