package views

import "time"

// PaidMatchVM is "already paid" on a dispute's page: the debtor's
// payments with money left on the account, for staff who decide to
// match one to the disputed invoice.
type PaidMatchVM struct {
	Shown     bool   // a live dispute and staff who decide
	Highlight bool   // the debtor says they already paid: shown first and open
	Action    string // where the form posts
	Payments  []PaidMatchPaymentVM
	Chosen    string    // the payment chosen (after an error)
	Err       *FieldErr // what was wrong with the choice
}

// PaidMatchPaymentVM is one payment with money left on the account.
type PaidMatchPaymentVM struct {
	ID          string // the payment's public id (the form's value)
	Date        time.Time
	AmountMinor int64 // the payment
	LeftMinor   int64 // what of it is still on the account
	Currency    string
	Reference   string
	Method      string
	Fits        bool  // the same amount or reference as the debtor said
	MovesMinor  int64 // what matching moves to the invoice
	OpenAfter   int64 // what the invoice keeps open after matching
}
