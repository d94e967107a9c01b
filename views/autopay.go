package views

import "time"

// AutopayVM is the autopay panel of a plan's page (AutopayPanel): the
// plan page builds it with Server.autopayVM (handlers/plan_autopay_vm.go).
type AutopayVM struct {
	PlanID string // the plan's public id (the form posts to /account/plans/{PlanID}/autopay)
	// State: "on" (instalments are debited), "off" (offered: the button),
	// or "" (not offered: the plan is not an active instalment plan, or
	// the creditor takes no direct debit); the panel then shows nothing.
	State string
	// Account is the masked account of the debtor's valid mandate (on,
	// or off with a mandate to use: no payment needed then).
	Account      string
	MandateValid bool
	// The next open instalment: what the first payment pays.
	NextSeq         int
	NextAmountMinor int64
	Currency        string
	// Notice is the outcome of the last POST (?autopay=…): on, started,
	// not_active, nothing_open, unavailable, provider, busy.
	Notice string
}

// MandateVM is the page of the debtor's direct-debit mandate.
type MandateVM struct {
	Exists    bool
	Status    string // pending, valid, invalid, revoked
	Account   string // masked
	Since     time.Time
	RevokedAt *time.Time
	Plans     []MandatePlanVM
	Revoked   bool   // the debtor has just revoked it
	ErrorKey  string // a refused revocation
}

// MandatePlanVM is a plan that uses the mandate.
type MandatePlanVM struct {
	PublicID   string
	TotalMinor int64
	Currency   string
	Autopay    bool
}
