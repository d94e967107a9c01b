package ar

import (
	"regexp"
	"slices"
)

// DisputeStatus is where a dispute stands.
type DisputeStatus string

// Dispute states. A live dispute (open, info_requested) holds its
// amount out of dunning and takes messages.
const (
	DisputeOpen          DisputeStatus = "open"           // waiting for staff
	DisputeInfoRequested DisputeStatus = "info_requested" // staff asked the debtor for more
	DisputeAccepted      DisputeStatus = "accepted"
	DisputeRejected      DisputeStatus = "rejected"
	DisputeWithdrawn     DisputeStatus = "withdrawn"
)

// Live reports whether a dispute in this state holds its amount and
// takes messages.
func (s DisputeStatus) Live() bool { return s == DisputeOpen || s == DisputeInfoRequested }

// The standard dispute reasons. A creditor may offer others of its own
// (with a label); these are shown in the reader's language.
const (
	ReasonWrongAmount       = "wrong_amount"
	ReasonNotReceived       = "not_received"
	ReasonAlreadyPaid       = "already_paid" // asks for the payment's date, amount and reference
	ReasonCancelledContract = "cancelled_contract"
	ReasonOther             = "other" // needs a message
)

// StandardDisputeReasons are the codes every language has a text for.
var StandardDisputeReasons = []string{ReasonWrongAmount, ReasonNotReceived, ReasonAlreadyPaid,
	ReasonCancelledContract, ReasonOther}

// IsStandardReason reports whether code is one of the standard reasons.
func IsStandardReason(code string) bool { return slices.Contains(StandardDisputeReasons, code) }

// DisputeReason is one reason a creditor offers.
type DisputeReason struct {
	Code  string `db:"code"`
	Label string `db:"label"` // a creditor's own reason: its text; "" for a standard one
}

// DefaultDisputeReasons is what a creditor offers until it sets a list.
func DefaultDisputeReasons() []DisputeReason {
	out := make([]DisputeReason, len(StandardDisputeReasons))
	for i, c := range StandardDisputeReasons {
		out[i] = DisputeReason{Code: c}
	}
	return out
}

var reasonCodeRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// ValidReasonCode reports whether code can name a reason.
func ValidReasonCode(code string) bool { return reasonCodeRE.MatchString(code) }

// Limits of a dispute.
const (
	MaxDisputeMessage     = 4000             // runes per message
	MaxDisputeFiles       = 20               // attachments per dispute
	MaxDisputeFileBytes   = 10 << 20         // per attachment
	MaxDisputeReference   = 140              // runes of an "already paid" reference
	MaxDisputeReasonLabel = 200              // runes of a creditor's own reason
	MaxDisputeFileName    = 255              // runes of a file name kept for display
	MaxDisputeImagePixels = 30 * 1000 * 1000 // an image larger than this is refused (decoding would need too much memory)
)

// DisputedShare is what a dispute holds of an invoice with open amount
// open: with no lines chosen everything open, else the chosen lines'
// totals, never more than is open (a partly paid invoice) and never
// below zero. lines are positions of the invoice's lines; unknown
// positions count nothing (the caller refuses them).
func DisputedShare(inv *Invoice, lines []int) int64 {
	open := max(inv.OpenMinor, 0)
	if len(lines) == 0 {
		return open
	}
	var sum int64
	for _, l := range inv.Lines {
		if slices.Contains(lines, l.Position) {
			sum += l.TotalMinor
		}
	}
	return min(max(sum, 0), open)
}
