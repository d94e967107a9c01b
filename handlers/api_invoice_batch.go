package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/billing"
)

type apiBatchItemResult struct {
	InvoiceNumber string         `json:"invoice_number"`
	Status        int            `json:"status"`
	Code          string         `json:"code,omitempty"`
	Errors        []problemField `json:"errors,omitempty"`
}

// apiInvoiceBatch loads up to 1,000 invoices in one transaction and
// reports per item: 201 created, 200 corrected, or the item's error.
func (s *Server) apiInvoiceBatch(w http.ResponseWriter, r *http.Request, c *ar.Creditor, body []byte) error {
	var in struct {
		Invoices []billing.BatchItem `json:"invoices"`
	}
	if err := decodeJSON(body, &in); err != nil {
		return err
	}
	results, err := s.Billing.PutInvoices(r.Context(), c, in.Invoices)
	if err != nil {
		return err
	}
	en := s.Catalog.Locale("en")
	out := struct {
		Created int                  `json:"created"`
		Updated int                  `json:"updated"`
		Failed  int                  `json:"failed"`
		Results []apiBatchItemResult `json:"results"`
	}{Results: make([]apiBatchItemResult, len(results))}
	for i, res := range results {
		item := apiBatchItemResult{InvoiceNumber: in.Invoices[i].InvoiceNumber}
		switch {
		case res.Err != nil:
			out.Failed++
			e, _ := ar.AsError(res.Err)
			item.Status, item.Code = statusOf(e.Code), e.Key
			item.Errors = fieldErrors(res.Err, en)
		case res.Created:
			out.Created++
			item.Status = http.StatusCreated
		default:
			out.Updated++
			item.Status = http.StatusOK
		}
		out.Results[i] = item
	}
	return writeJSON(w, http.StatusOK, out)
}
