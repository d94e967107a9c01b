package ar

import "time"

// Visibility says who sees a timeline entry.
type Visibility string

// Visibilities.
const (
	VisibleToCustomer Visibility = "customer"
	InternalOnly      Visibility = "internal"
)

// Interaction kinds written so far; later features add theirs.
const (
	KindLinkCreated   = "link.created"
	KindLinkOpened    = "link.opened"
	KindStepUpPassed  = "stepup.passed"
	KindStepUpFailed  = "stepup.failed"
	KindOTPSent       = "stepup.code_sent"
	KindInvoiceIssued = "invoice.issued"
	KindPaymentBooked = "payment.booked"
)

// Interaction is one entry of the timeline that debtor and staff share.
type Interaction struct {
	ID         int64          `db:"id"`
	CreditorID int64          `db:"creditor_id"`
	DebtorID   int64          `db:"debtor_id"`
	InvoiceID  *int64         `db:"invoice_id"`
	Kind       string         `db:"kind"`
	Channel    string         `db:"channel"`
	Actor      string         `db:"actor"`
	Visibility Visibility     `db:"visibility"`
	Data       map[string]any `db:"-"`
	OccurredAt time.Time      `db:"occurred_at"`
	StaffID    *int64         `db:"staff_id"` // the staff member who did it, if one did
}

// Message is an email, SMS or letter in the outbox.
type Message struct {
	ID         int64  `db:"id"`
	CreditorID int64  `db:"creditor_id"`
	DebtorID   *int64 `db:"debtor_id"`
	Channel    string `db:"channel"`
	Recipient  string `db:"recipient"`
	Subject    string `db:"subject"`
	Body       string `db:"body"`
	HTMLBody   string `db:"html_body"` // email only; "" sends text alone
	Purpose    string `db:"purpose"`
}
