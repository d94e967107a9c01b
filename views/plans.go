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

// MoreTimeVM is the "I need more time" form and, once the debtor asked
// to see it, the schedule it makes. Every field holds what was typed, so
// nothing is lost when something must be corrected.
type MoreTimeVM struct {
	Invoices       []ar.Invoice // open invoices no plan holds
	Chosen         map[string]bool
	InPlan         []string // invoice numbers a plan already holds (not offered again)
	Kind           string   // instalments or deferral
	Split          string   // count or monthly
	Count          string
	Monthly        string
	Day            int
	DeferTo        string // YYYY-MM-DD
	MinDate        string // the date input's bounds
	MaxDate        string
	Reason         string
	MaxInstalments int
	MaxReason      int
	Errors         map[string]FieldErr // by field: invoice, kind, instalments, monthly, day, defer_to, reason
	ErrorKey       string              // a form-level error (an invoice taken meanwhile)
	ErrorArgs      []any
	Preview        *PlanPreviewVM // the schedule, after "show schedule"
}

// FieldErr is a translation key with its arguments.
type FieldErr struct {
	Key  string
	Args []any
}

// Err is the field's error, or nil.
func (vm MoreTimeVM) Err(field string) *FieldErr {
	if e, ok := vm.Errors[field]; ok {
		return &e
	}
	return nil
}

// PlanPreviewVM is the schedule a request would make, and whether it is
// approved at once.
type PlanPreviewVM struct {
	Kind           string
	Instalments    []ar.Instalment
	PrincipalMinor int64
	FeeMinor       int64
	InterestMinor  int64
	TotalMinor     int64
	Currency       string
	Approve        bool   // inside the creditor's band: active at once
	ReviewKey      string // why staff decide (plan.review.*)
	Invoices       []ar.Invoice
}

// PlanVM is one of the debtor's plans.
type PlanVM struct {
	Autopay        AutopayVM // paying the instalments by direct debit
	PublicID       string
	Kind           string
	Status         string
	PrincipalMinor int64
	FeeMinor       int64
	InterestMinor  int64
	TotalMinor     int64
	PaidMinor      int64
	Currency       string
	CreatedAt      time.Time
	ReviewKey      string // requested: why staff decide
	DecisionNote   string // rejected or offered: staff's words
	Reason         string // the debtor's words
	Instalments    []PlanInstalmentVM
	Invoices       []PlanInvoiceVM
	PayURL         string // the next instalment's payment page ("" when nothing can be paid now)
	ReplacedBy     string // a request answered with an offer: the offer's public id
	Notice         string // a translation key after an action ("" for none)
}

// OpenMinor is what is still to pay on the plan.
func (vm PlanVM) OpenMinor() int64 { return vm.TotalMinor - vm.PaidMinor }

// Next is the earliest instalment not fully paid, or nil.
func (vm PlanVM) Next() *PlanInstalmentVM {
	for i := range vm.Instalments {
		if vm.Instalments[i].Next {
			return &vm.Instalments[i]
		}
	}
	return nil
}

// PlanInstalmentVM is one instalment with what is paid of it.
type PlanInstalmentVM struct {
	Seq         int
	DueDate     time.Time
	AmountMinor int64
	PaidMinor   int64
	Next        bool // the one to pay now
	Overdue     bool
}

// State is paid, partly_paid, overdue or open.
func (i PlanInstalmentVM) State() string {
	switch {
	case i.PaidMinor >= i.AmountMinor:
		return "paid"
	case i.Overdue:
		return "overdue"
	case i.PaidMinor > 0:
		return "partly_paid"
	}
	return "open"
}

// PlanInvoiceVM is an invoice a plan covers.
type PlanInvoiceVM struct {
	Number    string
	OpenMinor int64 // what was open when the plan was made
}

// PlansVM lists the debtor's plans.
type PlansVM struct {
	Plans []PlanVM
}

// PlanNoticeVM is a plan the dashboard mentions: one that runs or waits
// for a decision.
type PlanNoticeVM struct {
	PublicID    string
	Kind        string
	Status      string
	TotalMinor  int64
	Currency    string
	NextMinor   int64 // active: the next instalment's open amount
	NextDueDate *time.Time
}

// planURL is a plan's page.
func planURL(publicID string) templ.SafeURL {
	return templ.URL("/account/plans/" + url.PathEscape(publicID))
}

// moreTimeURL is the "I need more time" form, for one invoice when
// number is set.
func moreTimeURL(number string) templ.SafeURL {
	if number == "" {
		return templ.URL("/account/more-time")
	}
	return templ.URL("/account/more-time?invoice=" + url.QueryEscape(number))
}

// days are the days of the month an instalment can fall on.
func days() []int {
	out := make([]int, ar.MaxDay)
	for i := range out {
		out[i] = i + 1
	}
	return out
}

// instalmentLabel names an instalment: its number and date, or for a
// deferral only the date.
func instalmentLabel(ctx context.Context, kind string, seq int, due time.Time) string {
	if kind == string(ar.PlanDeferral) {
		return T(ctx, "page.plan.deferral_due", "Date", Date(ctx, due))
	}
	return T(ctx, "page.plan.instalment", "Seq", seq, "Date", Date(ctx, due))
}

func itoa(n int) string { return strconv.Itoa(n) }

// fieldDescribedBy links an input to its hint and, on error, its message.
func fieldDescribedBy(field string, hint bool, e *FieldErr) string {
	s := ""
	if hint {
		s = field + "-hint"
	}
	if e != nil {
		if s != "" {
			s += " "
		}
		s += field + "-error"
	}
	return s
}

func invalid(e *FieldErr) string {
	if e != nil {
		return "true"
	}
	return "false"
}

// joinNumbers lists invoice numbers for a sentence.
func joinNumbers(numbers []string) string { return strings.Join(numbers, ", ") }

// joinInvoices lists the invoices' numbers for a sentence.
func joinInvoices(invs []ar.Invoice) string {
	out := make([]string, len(invs))
	for i, inv := range invs {
		out[i] = inv.Number
	}
	return joinNumbers(out)
}
