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
	Service        *ServiceVM // set when the creditor restricted the service
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
