package views

import (
	"context"
	"strconv"
	"time"

	"github.com/a-h/templ"
)

// PlanScheduleRow is one instalment of a plan or of a preview.
type PlanScheduleRow struct {
	Seq         int
	Due         time.Time
	AmountMinor int64
	PaidMinor   int64
	OpenMinor   int64
	Overdue     bool // due before today and not paid in full
}

// StaffPlanPreviewVM is a schedule computed before anything is made.
type StaffPlanPreviewVM struct {
	Rows           []PlanScheduleRow
	PrincipalMinor int64
	FeeMinor       int64
	InterestMinor  int64
	TotalMinor     int64
	Currency       string
	Approve        bool   // inside the auto-approve band
	ReviewKey      string // why it would need a decision (plan.review.*)
}

// PlanFormVM is what staff typed into a plan form, with the errors
// (field → translated message).
type PlanFormVM struct {
	Kind        string // instalments or deferral
	Instalments string
	Monthly     string
	Day         string
	DeferTo     string
	Note        string
	Previewed   string // the terms the preview shown was computed for
	Errors      map[string]string
}

func (f PlanFormVM) err(field string) string { return f.Errors[field] }

// PlanInvoiceRow is an invoice a plan covers.
type PlanInvoiceRow struct {
	Number    string
	OpenMinor int64
	Held      bool
}

// StaffPlanVM is the plan page.
type StaffPlanVM struct {
	ID                 int64
	PublicID           string
	Kind               string
	Status             string
	DebtorID           int64
	DebtorName         string
	CustomerNumber     string
	PrincipalMinor     int64
	FeeMinor           int64
	InterestMinor      int64
	TotalMinor         int64
	PaidMinor          int64
	OpenMinor          int64
	Currency           string
	Day                int // instalments: day of the month; 0 for a deferral
	Reason             string
	ReviewKey          string
	DecisionNote       string
	EndReason          string
	CreatedAt          time.Time
	DecidedAt          *time.Time
	EndedAt            *time.Time
	CreatedBy          string // a staff member's email, "" when the debtor asked
	DecidedBy          string // "" for the policy (auto-approved) or the debtor (accepted)
	ReplacesID         int64
	ReplacesPublicID   string
	ReplacedByID       int64
	ReplacedByPublicID string
	Autopay            bool
	MandateStatus      string
	Schedule           []PlanScheduleRow
	Invoices           []PlanInvoiceRow
	History            []StaffTimelineRow
	Notice             string // a translation key: what just happened
	Error              string // a translated message: why an action failed
	RejectReason       string
	RejectError        string
	CancelError        string
}

// ShownStatus is the status as staff read it: a request a counter-offer
// replaced is "replaced", not "rejected".
func (vm StaffPlanVM) ShownStatus() string {
	if vm.Status == "rejected" && vm.ReplacedByID != 0 {
		return "replaced"
	}
	return vm.Status
}

// Open reports whether staff decide the plan now.
func (vm StaffPlanVM) Open() bool { return vm.Status == "requested" }

// Endable reports whether staff can end the plan.
func (vm StaffPlanVM) Endable() bool { return vm.Status == "active" || vm.Status == "offered" }

// StaffPlanOfferVM is the counter-offer form for a request.
type StaffPlanOfferVM struct {
	Plan    StaffPlanVM
	Form    PlanFormVM
	Preview *StaffPlanPreviewVM
	Error   string
}

// PlanInvoiceChoice is an open invoice staff may put into a plan.
type PlanInvoiceChoice struct {
	Number    string
	DueDate   time.Time
	OpenMinor int64
	Currency  string
	Checked   bool
}

// StaffPlanNewVM is the form for a plan staff make on the phone.
type StaffPlanNewVM struct {
	DebtorID       int64
	DebtorName     string
	CustomerNumber string
	Invoices       []PlanInvoiceChoice
	Form           PlanFormVM
	Preview        *StaffPlanPreviewVM
	Error          string
}

// StaffDebtorPlanRow is one plan in the debtor view.
type StaffDebtorPlanRow struct {
	ID            int64
	PublicID      string
	Kind          string
	Status        string
	TotalMinor    int64
	PaidMinor     int64
	Currency      string
	NextDue       *time.Time
	NextOpenMinor int64
	Autopay       bool
	MandateStatus string
}

// PolicyFormVM is the plan policy as typed (amounts as money, rates in
// per cent), with the errors (field → translated message).
type PolicyFormVM struct {
	MaxInstalments     string
	MinInstalment      string
	MaxTotal           string
	MaxDeferralDays    string
	DownPayment        string
	Fee                string
	Interest           string
	NoBrokenPlanMonths string
	Segments           string
	AutoMaxInstalments string
	AutoMaxTotal       string
	AutoMaxDeferral    string
	GraceDays          string
	Errors             map[string]string
}

func (f PolicyFormVM) err(field string) string { return f.Errors[field] }

// PolicySampleVM is the example on the policy page: what a debtor owing
// an amount gets when asking for a number of instalments.
type PolicySampleVM struct {
	Amount      string
	Instalments string
	AmountMinor int64
	Count       int
	Preview     *StaffPlanPreviewVM
	Error       string // a translated message: the policy refuses the ask
}

// StaffPlanPolicyVM is the policy editor.
type StaffPlanPolicyVM struct {
	Form     PolicyFormVM
	Currency string
	Saved    bool
	Sample   PolicySampleVM
}

func staffPlanURL(id int64, rest string) templ.SafeURL {
	return templ.SafeURL("/staff/plans/" + strconv.FormatInt(id, 10) + rest)
}

func debtorIDURL(id int64, rest string) templ.SafeURL {
	return templ.SafeURL("/staff/debtors/" + strconv.FormatInt(id, 10) + rest)
}

// planStatusText names a plan's status.
func staffPlanStatusText(ctx context.Context, status string) string {
	return tOr(ctx, "staff.plans.status."+status, status)
}

// planKindText names a plan's kind.
func planKindText(ctx context.Context, kind string) string {
	return tOr(ctx, "staff.plans.kind."+kind, kind)
}

// mandateText says how a plan is paid: by autopay (with the mandate's
// state) or by the debtor.
func mandateText(ctx context.Context, autopay bool, status string) string {
	if !autopay {
		return T(ctx, "staff.plans.autopay_off")
	}
	if status == "" {
		return T(ctx, "staff.plans.autopay_no_mandate")
	}
	return T(ctx, "staff.plans.autopay_on", "Mandate", tOr(ctx, "staff.plans.mandate."+status, status))
}

// endReasonText explains why a plan ended.
func endReasonText(ctx context.Context, reason string) string {
	return tOr(ctx, "staff.plans.end_reason."+reason, reason)
}

func planStatusClass(status string) string {
	switch status {
	case "requested", "offered":
		return "tag plan-waiting"
	case "active", "completed":
		return "tag plan-ok"
	case "rejected", "broken", "cancelled":
		return "tag plan-ended"
	}
	return "tag"
}
