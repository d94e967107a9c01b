package views

import (
	"time"

	"github.com/settle/settle/internal/ar"
)

// LinkVM is the interstitial behind a personal link.
type LinkVM struct {
	Action string // the form's target: the link itself
}

// AccountVM is the landing (before step-up) or the dashboard (after).
type AccountVM struct {
	CustomerNumber string
	DebtorName     string // shown only after step-up
	Summary        ar.Summary
	SteppedUp      bool
	Invoices       []ar.Invoice // only after step-up
	Today          time.Time
	Service        *ServiceVM        // set when the creditor restricted the service
	Plans          []PlanNoticeVM    // plans that run or wait for a decision (after step-up)
	InPlan         map[string]string // invoice number → status of the plan holding it
	Promise        *PromiseNoticeVM  // the debtor's open promise to pay (after step-up)
	Disputed       map[string]bool   // invoice numbers a live dispute holds
	HasDisputes    bool              // the debtor has disputed something (link to the list)
	CreditMinor    int64             // issue 9: a credit balance on the account (credit notes, payments not allocated)
}

// ServiceVM says that, and how, the debtor's service is restricted, and
// what restores it.
type ServiceVM struct {
	Status       ar.ServiceStatus
	Note         string // the creditor's words for what is restricted ("mobile data"), may be empty
	RestoreMinor int64
	Currency     string
	Restorable   bool // paid: the creditor has been told
}

// InvoiceVM is one invoice with its lines.
type InvoiceVM struct {
	Invoice *ar.Invoice
	Taxes   []ar.TaxGroup
	Status  ar.Status
	Dispute *InvoiceDisputeVM // a live dispute on the invoice
}

// Destination is where a one-time code can go, masked.
type Destination struct {
	Channel string // email or sms
	Masked  string
}

// StepUpVM asks the debtor to confirm who they are.
type StepUpVM struct {
	Method       ar.StepUp
	Knowledge    ar.Knowledge
	Next         string // where to go afterwards (a local path)
	Answer       string // what the debtor typed, kept on error
	ErrorKey     string // a translation key, or ""
	Destinations []Destination
	SentTo       *Destination // a code was just sent there
}

// MessageVM is a page that only says something: errors, notices.
type MessageVM struct {
	TitleKey   string
	BodyKey    string
	BodyArgs   []any
	RequestID  string // shown on internal errors so support can find the log
	ShowHelp   bool   // point to the creditor's contacts in the footer
	ActionHref string // an optional way on
	ActionKey  string
}

// PayVM is the payment form.
type PayVM struct {
	Available    bool // the creditor takes online payments
	Currency     string
	OpenMinor    int64
	DefaultMinor int64        // preselected: everything due, or what restores the service
	Amount       string       // as typed, on error
	Invoices     []ar.Invoice // open invoices to choose from (after step-up only)
	Chosen       map[string]bool
	Methods      []PayMethod
	Method       string
	ErrorKey     string
	ErrorArgs    []any
	Transfer     *TransferVM // bank transfer details, when the creditor has an account
}

// TransferVM is how to pay by bank transfer, with a GiroCode.
type TransferVM struct {
	Holder, IBAN, BIC, Reference string
	AmountMinor                  int64
	QR                           string // data: URL of the EPC QR code, "" if it could not be made
}

// PayMethod is one payment method on offer.
type PayMethod struct {
	ID, Name, Icon string
}

// PaymentVM is the page a debtor returns to from the checkout.
type PaymentVM struct {
	PublicID    string
	Status      string // open, pending, paid, failed, canceled, expired, reversed
	AmountMinor int64
	Currency    string
	Restorable  bool // the payment made a restricted service restorable
	// SentToDebtor: assist mode sent the checkout to the debtor's phone
	// or inbox; the agent waits here.
	SentToDebtor bool
}

// StatementVM is an account statement for a period.
type StatementVM struct {
	From, To     time.Time
	FromInput    string // as typed / shown in the form (YYYY-MM-DD)
	ToInput      string
	Currency     string
	OpeningMinor int64
	ClosingMinor int64
	Lines        []StatementLine
	ErrorKey     string
	Presets      []StatementPreset
}

// StatementLine is one entry with the running balance after it.
type StatementLine struct {
	Date          time.Time
	Kind          string // invoice, payment, credit_note, fee, refund, chargeback …
	InvoiceNumber string
	Reference     string
	// Document is the entry's own reference (invoice number, credit note
	// number, payment reference); DocumentHref its PDF, where there is one
	// for the debtor (credit notes).
	Document     string
	DocumentHref string
	AmountMinor  int64
	BalanceMinor int64
}

// StatementPreset is a ready-made period.
type StatementPreset struct {
	Key      string // translation key
	From, To string
}

// HistoryVM is the timeline the debtor shares with the creditor's staff.
type HistoryVM struct {
	Entries []HistoryEntry
	Filter  string   // the kind shown ("" for everything)
	Filters []string // the filters on offer, in order (page.history.filter.<key>)
}

// HistoryEntry is one event on the timeline, with its text's arguments
// already formatted.
type HistoryEntry struct {
	At      time.Time
	Kind    string // the timeline kind (invoice.issued)
	Key     string // translation key, history.<kind>
	Args    []any
	Channel string
	ByStaff bool // done by our staff (a call, assist mode)
	// ChannelKey says how a message went (history.channel.email), or "".
	ChannelKey string
	Docs       []HistoryDoc // documents and pages the entry refers to
}

// HistoryDoc is a link from a history entry to a document or page.
type HistoryDoc struct {
	Href   string // a local path
	Key    string // the link's text
	Args   []any
	TestID string
}
