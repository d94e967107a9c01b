package views

import (
	"context"
	"net/url"

	"github.com/a-h/templ"

	"github.com/settle/settle/internal/ar"
)

// Issue 9: credit requests (a kind of dispute case) and withdrawing a case.

// CreditRequestFormVM is "request a credit note": the invoice of the
// affected period, a reason, what happened, the amount in mind
// (optional) and documents. Every field keeps what was typed.
type CreditRequestFormVM struct {
	Invoices     []ar.Invoice // all of the debtor's, paid ones too
	Invoice      string       // the chosen invoice's number
	Reasons      []string     // ar.CreditRequestReasons
	Reason       string
	Message      string
	Amount       string
	Errors       map[string]FieldErr // invoice, reason, message, amount, files
	FileErrors   []FieldErr
	FilesDropped bool // files were sent but none kept: choose them again
	ErrorKey     string
	ErrorArgs    []any
	Existing     string       // the invoice has a live credit request already: its public id
	Kept         []KeptFileVM // files kept from a refused try
}

// Err is the field's error, or nil.
func (vm CreditRequestFormVM) Err(field string) *FieldErr {
	if e, ok := vm.Errors[field]; ok {
		return &e
	}
	return nil
}

// IsCreditRequest reports whether the case is a credit request.
func (vm DisputeVM) IsCreditRequest() bool { return vm.Kind == ar.CaseCreditRequest }

// caseReasonText names a case's reason: a credit request's in the
// reader's language, a dispute's as reasonText.
func caseReasonText(ctx context.Context, kind, code, label string) string {
	if kind == ar.CaseCreditRequest && ar.IsCreditRequestReason(code) {
		return T(ctx, "form.credit_request.reason."+code)
	}
	return reasonText(ctx, code, label)
}

// caseKindText names a case's kind (dispute or credit request).
func caseKindText(ctx context.Context, kind string) string {
	if kind == ar.CaseCreditRequest {
		return T(ctx, "page.credit_request.kind.credit_request")
	}
	return T(ctx, "page.credit_request.kind.dispute")
}

// disputePathURL is a debtor's case page plus rest.
func disputePathURL(publicID, rest string) string {
	return string(disputeURL(publicID)) + rest
}

// caseTitle is a case page's title.
func caseTitle(ctx context.Context, vm DisputeVM) string {
	if vm.IsCreditRequest() {
		return T(ctx, "page.credit_request.title", "Number", vm.Number)
	}
	return T(ctx, "page.dispute.title", "Number", vm.Number)
}

// caseHeading is a case page's heading.
func caseHeading(ctx context.Context, vm DisputeVM) string {
	if vm.IsCreditRequest() {
		return T(ctx, "page.credit_request.heading", "Number", vm.Number)
	}
	return T(ctx, "page.dispute.heading", "Number", vm.Number)
}

// creditRequestURL is the credit request form, with an invoice chosen.
func creditRequestURL(number string) templ.SafeURL {
	if number == "" {
		return templ.URL("/account/credit-request")
	}
	return templ.URL("/account/credit-request?invoice=" + url.QueryEscape(number))
}

// queueRowKind names a queue task: a credit request as such, anything
// else by its kind.
func queueRowKind(ctx context.Context, row QueueRow) string {
	if row.KindKey != "" {
		return T(ctx, row.KindKey)
	}
	return T(ctx, "staff.queues.kind."+row.Kind)
}
