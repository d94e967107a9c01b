package ar

import "slices"

// Kinds of dispute case. A credit request ("please credit me for the
// outage") runs like a dispute (conversation, queue, decision) but holds
// nothing out of dunning.
const (
	CaseDispute       = "dispute"
	CaseCreditRequest = "credit_request"
)

// The reasons for a credit request, in the order they are offered.
const (
	CreditReasonOutage   = "outage"   // the service was interrupted
	CreditReasonGoodwill = "goodwill" // a gesture of goodwill
	CreditReasonOther    = "other"    // needs a message
)

// CreditRequestReasons are the reasons a debtor picks from.
var CreditRequestReasons = []string{CreditReasonOutage, CreditReasonGoodwill, CreditReasonOther}

// IsCreditRequestReason reports whether code is a credit request's reason.
func IsCreditRequestReason(code string) bool { return slices.Contains(CreditRequestReasons, code) }
