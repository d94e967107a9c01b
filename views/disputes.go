package views

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/settle/settle/internal/ar"
)

// DisputeFormVM is "something is wrong with this invoice": the reason,
// the lines, a message, payment details for "already paid", and files.
// Every field holds what was typed, so nothing is lost when something
// must be corrected; refused files are listed by name with the reason.
type DisputeFormVM struct {
	Invoice       *ar.Invoice
	Reasons       []DisputeReasonVM
	Reason        string
	Lines         map[int]bool
	Message       string
	PaidOn        string // YYYY-MM-DD as typed
	PaidAmount    string
	PaidReference string
	MaxDate       string              // the payment date's bound (today)
	Errors        map[string]FieldErr // by field: reason, lines, message, paid_on, paid_amount, paid_reference, files
	FileErrors    []FieldErr          // refused files, each naming its file
	FilesDropped  bool                // files were sent but none kept: choose them again
	ErrorKey      string              // a form-level error
	ErrorArgs     []any
	Existing      string       // the invoice has a live dispute already: its public id
	Kept          []KeptFileVM // files kept from a refused try
}

// Err is the field's error, or nil.
func (vm DisputeFormVM) Err(field string) *FieldErr {
	if e, ok := vm.Errors[field]; ok {
		return &e
	}
	return nil
}

// DisputeReasonVM is a reason on offer: a standard one (Label "") is
// shown in the reader's language.
type DisputeReasonVM struct {
	Code  string
	Label string
}

// DisputeVM is one dispute with its conversation, as the debtor or staff
// see it.
type DisputeVM struct {
	PublicID      string
	Number        string
	Status        string
	Reason        string
	ReasonLabel   string
	Lines         []DisputeLineVM // the chosen lines; none: the whole invoice
	DisputedMinor int64           // what is held now (at most what the invoice has open)
	Currency      string
	PaidOn        *time.Time
	PaidMinor     *int64
	PaidReference string
	CreatedAt     time.Time
	DecisionNote  string
	CreditNote    string // accepted: the credit note's number
	CreditMinor   int64  // and its amount
	CreditNoteURL string // and its PDF for the reader (debtor or staff)
	Messages      []DisputeMessageVM
	// The message form (a live dispute): what was typed and what was
	// wrong with it.
	Form   DisputeMessageFormVM
	Notice string // a translation key after an action
	// Issue 9: the case's kind (ar.Case*), a credit request's amount in
	// mind, what an accepted one left on the account, and whether the
	// debtor may withdraw it here.
	Kind           string
	RequestedMinor *int64
	OnAccountMinor int64
	CanWithdraw    bool
	WithdrawnAt    *time.Time
}

// Live reports whether the dispute takes messages.
func (vm DisputeVM) Live() bool { return ar.DisputeStatus(vm.Status).Live() }

// DisputeMessageFormVM is the form that adds a message.
type DisputeMessageFormVM struct {
	Action       string
	Message      string
	Errors       map[string]FieldErr
	FileErrors   []FieldErr
	FilesDropped bool
	ErrorKey     string
	Kept         []KeptFileVM // the debtor's files kept from a refused try
}

// Err is the field's error, or nil.
func (vm DisputeMessageFormVM) Err(field string) *FieldErr {
	if e, ok := vm.Errors[field]; ok {
		return &e
	}
	return nil
}

// DisputeLineVM is an invoice line a dispute is about.
type DisputeLineVM struct {
	Position    int
	Description string
	TotalMinor  int64
	Disputed    bool
}

// DisputeMessageVM is one message of a dispute's conversation.
type DisputeMessageVM struct {
	FromDebtor  bool
	By          string // staff pages: the staff member's name
	At          time.Time
	Body        string
	Attachments []AttachmentVM
}

// AttachmentVM is a file attached to a dispute, with where to get it.
type AttachmentVM struct {
	Name      string // display text only
	MediaType string
	Size      int
	URL       string
}

// DisputesVM lists the debtor's disputes.
type DisputesVM struct {
	Disputes []DisputeVM
}

// InvoiceDisputeVM is the live dispute on an invoice, for its page.
type InvoiceDisputeVM struct {
	PublicID  string
	HeldMinor int64
	Currency  string
	CreatedAt time.Time
}

// disputeURL is a dispute's page for the debtor.
func disputeURL(publicID string) templ.SafeURL {
	return templ.URL("/account/disputes/" + url.PathEscape(publicID))
}

// disputeFormURL is the dispute form of an invoice.
func disputeFormURL(number string) templ.SafeURL {
	return templ.URL("/account/invoices/" + url.PathEscape(number) + "/dispute")
}

// reasonText names a reason: a creditor's own by its label, a standard
// one in the reader's language.
func reasonText(ctx context.Context, code, label string) string {
	if label != "" {
		return label
	}
	if ar.IsStandardReason(code) {
		return T(ctx, "form.dispute.reason."+code)
	}
	return code
}

// fileSize says a file's size briefly: "230 KB", "2.4 MB".
func fileSize(ctx context.Context, n int) string {
	if n < 1<<20 {
		return T(ctx, "page.dispute.size_kb", "Size", strconv.Itoa(max(1, (n+512)>>10)))
	}
	mb := strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64)
	if lang(ctx) == "de" {
		mb = strings.Replace(mb, ".", ",", 1)
	}
	return T(ctx, "page.dispute.size_mb", "Size", mb)
}

// fileKind names a media type for people.
func fileKind(mediaType string) string {
	switch mediaType {
	case "application/pdf":
		return "PDF"
	case "image/png":
		return "PNG"
	case "image/jpeg":
		return "JPEG"
	}
	return ""
}

// disputeStatusText names a dispute's status.
func disputeStatusText(ctx context.Context, status string) string {
	return T(ctx, "page.dispute.status."+status)
}

// paidAnything reports whether the debtor gave payment details.
func (vm DisputeVM) paidAnything() bool {
	return vm.PaidOn != nil || vm.PaidMinor != nil || vm.PaidReference != ""
}

// StaffDisputeVM is a dispute as staff see it: with the customer, the
// invoice's lines (the disputed ones marked) and the reply form.
type StaffDisputeVM struct {
	ID int64
	DisputeVM
	DebtorID       int64
	DebtorName     string
	CustomerNumber string
	InvoiceTotal   int64
	InvoiceOpen    int64
	InvoiceLines   []DisputeLineVM
	InvoicePDF     string
	AssistedBy     string // opened in assist mode by this agent
	Decision       DisputeDecisionVM
	PaidMatch      PaidMatchVM // "already paid": match an unallocated payment
}

func staffDisputeStatusClass(status string) string {
	switch status {
	case "open", "info_requested":
		return "tag plan-waiting"
	case "accepted":
		return "tag plan-ok"
	}
	return "tag plan-ended"
}

func boolAttr(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
