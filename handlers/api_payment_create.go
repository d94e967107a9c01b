package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/billing"
)

type apiAllocation struct {
	InvoiceNumber string `json:"invoice_number,omitempty"`
	AmountMinor   int64  `json:"amount_minor"`
}

type apiPayment struct {
	ID                string          `json:"id"`
	CustomerNumber    string          `json:"customer_number"`
	AmountMinor       int64           `json:"amount_minor"`
	Currency          string          `json:"currency"`
	ValueDate         string          `json:"value_date"`
	Method            string          `json:"method"`
	Reference         string          `json:"reference,omitempty"`
	ExternalID        *string         `json:"external_id,omitempty"`
	Allocations       []apiAllocation `json:"allocations"`
	UnallocatedMinor  int64           `json:"unallocated_minor"`
	ServiceRestorable bool            `json:"service_restorable"`
}

// apiPaymentCreate records a payment received outside Settle and
// allocates it (201; 200 when the external_id was reported before).
func (s *Server) apiPaymentCreate(w http.ResponseWriter, r *http.Request, c *ar.Creditor, body []byte) error {
	var in billing.PaymentInput
	if err := decodeJSON(body, &in); err != nil {
		return err
	}
	res, err := s.Billing.RecordPayment(r.Context(), c, in)
	if err != nil {
		return err
	}
	p := res.Payment
	out := apiPayment{ID: p.PublicID, CustomerNumber: in.CustomerNumber, AmountMinor: p.AmountMinor,
		Currency: p.Currency, ValueDate: p.ValueDate.Format("2006-01-02"), Method: p.Method,
		Reference: p.Reference, ExternalID: p.ExternalID, Allocations: []apiAllocation{},
		ServiceRestorable: res.Restorable}
	for _, a := range res.Allocations {
		if a.InvoiceID == nil {
			out.UnallocatedMinor += a.AmountMinor
			continue
		}
		out.Allocations = append(out.Allocations, apiAllocation{a.InvoiceNumber, a.AmountMinor})
	}
	status := http.StatusCreated
	if res.Duplicate {
		status = http.StatusOK
	}
	return writeJSON(w, status, out)
}

// apiCreditNoteCreate records a credit note the creditor issued.
func (s *Server) apiCreditNoteCreate(w http.ResponseWriter, r *http.Request, c *ar.Creditor, body []byte) error {
	var in billing.CreditNoteInput
	if err := decodeJSON(body, &in); err != nil {
		return err
	}
	cn, err := s.Billing.RecordCreditNote(r.Context(), c, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]any{
		"number": cn.Number, "customer_number": in.CustomerNumber, "invoice_number": in.InvoiceNumber,
		"amount_minor": cn.AmountMinor, "currency": cn.Currency, "issue_date": cn.IssueDate.Format("2006-01-02"),
		"reason": cn.Reason,
	})
}

// apiServiceStatusPut records the debtor's service status.
func (s *Server) apiServiceStatusPut(w http.ResponseWriter, r *http.Request, c *ar.Creditor, body []byte) error {
	var in billing.ServiceStatusInput
	if err := decodeJSON(body, &in); err != nil {
		return err
	}
	d, err := s.Billing.SetServiceStatus(r.Context(), c, r.PathValue("customer_number"), in)
	if err != nil {
		return err
	}
	out := map[string]any{"customer_number": d.CustomerNumber, "status": d.ServiceStatus,
		"restore_minor": d.ServiceRestoreMinor, "note": d.ServiceNote, "changed_at": d.ServiceChangedAt,
		"restorable_at": d.ServiceRestorableAt}
	return writeJSON(w, http.StatusOK, out)
}
