package handlers

// Issue 9: shared by the credit request pages and withdrawing a case.

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/disputes"
	"github.com/settle/settle/internal/store"
	"github.com/settle/settle/views"
)

// withdrawnAt is when a withdrawn case was withdrawn, else nil.
func withdrawnAt(d *store.Dispute, zone *time.Location) *time.Time {
	if d.Status != ar.DisputeWithdrawn || d.DecidedAt == nil {
		return nil
	}
	t := d.DecidedAt.In(zone)
	return &t
}

// creditForm is the credit request form as typed.
type creditForm struct {
	Invoice, Reason, Message, Amount string
}

func readCreditForm(v url.Values) creditForm {
	return creditForm{Invoice: strings.TrimSpace(v.Get("invoice")), Reason: v.Get("reason"), Message: v.Get("message"),
		Amount: strings.TrimSpace(v.Get("amount"))}
}

// input turns the form into what the disputes service takes; an amount
// in no known form goes into Invalid.
func (f creditForm) input() disputes.CreditInput {
	in := disputes.CreditInput{Number: f.Invoice, Reason: f.Reason, Message: f.Message}
	if f.Amount != "" {
		if m, ok := parseAmountInput(f.Amount); ok && m > 0 {
			in.Amount = &m
		} else {
			in.Invalid.Add("amount", "error.credit_request.amount_format", nil)
		}
	}
	return in
}

// creditFormVM is the credit request form with f's values: every one of
// the debtor's invoices to choose from.
func (s *Server) creditFormVM(ctx context.Context, ds *debtorSession, f creditForm) (views.CreditRequestFormVM, error) {
	invs, err := s.Store.Invoices(ctx, ds.CreditorID, ds.DebtorID)
	if err != nil {
		return views.CreditRequestFormVM{}, err
	}
	return views.CreditRequestFormVM{Invoices: invs, Invoice: f.Invoice, Reasons: ar.CreditRequestReasons,
		Reason: f.Reason, Message: f.Message, Amount: f.Amount}, nil
}
