package views

import (
	"context"
	"strconv"
	"time"
)

// DashboardVM is the collections dashboard of one creditor and period.
type DashboardVM struct {
	Period   string   // 30d, 90d, 12m
	Periods  []string // the choices
	From, To time.Time
	Days     int
	Currency string

	OpenMinor, OverdueMinor       int64
	OpenInvoices, OverdueInvoices int
	SalesMinor                    int64
	DSO                           int
	HasDSO                        bool
	DueMinor, DuePaidMinor        int64
	RateBP                        int
	HasRate                       bool
	LinkOpened, LinkPaid          int
	ConversionBP                  int
	HasConversion                 bool
	ReceivedMinor                 int64
	ReceivedCount                 int
	Methods                       []MethodShare
	Weeks                         []WeekBar

	Disputes, PlanRequests TaskFlowVM
	Restore                RestoreVM
}

// MethodShare is one payment method's part of what came in.
type MethodShare struct {
	Method  string
	Count   int
	Minor   int64
	ShareBP int // of the amount received, in basis points
}

// WeekBar is one week's payments.
type WeekBar struct {
	Week  time.Time // its Monday
	Count int
	Minor int64
}

// TaskFlowVM is a kind of task in and out of the work queue.
type TaskFlowVM struct {
	Opened, Done, OpenNow int
}

// RestoreVM is how fast blocked services come back.
type RestoreVM struct {
	Signals, Lifted                 int
	PaymentToSignal, SignalToActive *time.Duration // medians; nil: nothing to measure
}

// pctText formats basis points as a percentage in the page's language.
func pctText(ctx context.Context, bp int) string { return env(ctx).Loc.Percent(bp) }

// methodLabel names a payment method; one without a name shows as stored.
func methodLabel(ctx context.Context, m string) string {
	switch m {
	case "bank_transfer", "banktransfer":
		return T(ctx, "staff.dashboard.method.bank_transfer")
	case "card", "creditcard":
		return T(ctx, "staff.dashboard.method.card")
	case "direct_debit", "directdebit":
		return T(ctx, "staff.dashboard.method.direct_debit")
	case "external":
		return T(ctx, "staff.dashboard.method.external")
	case "other":
		return T(ctx, "staff.dashboard.method.other")
	case "paypal":
		return "PayPal"
	case "ideal":
		return "iDEAL"
	case "applepay":
		return "Apple Pay"
	}
	return m
}

// The weekly chart's drawing area (SVG user units).
const (
	chartW      = 600
	chartH      = 160
	chartTop    = 8
	chartBottom = 136 // the baseline; week labels below it
)

// chartBar is one drawn bar.
type chartBar struct {
	X, Y, W, H int
	WeekBar
}

// weekBars lays the weeks out as bars scaled to the largest week.
func weekBars(weeks []WeekBar) []chartBar {
	if len(weeks) == 0 {
		return nil
	}
	var top int64
	for _, w := range weeks {
		top = max(top, w.Minor)
	}
	slot := chartW / len(weeks)
	width := max(slot*7/10, 1)
	out := make([]chartBar, len(weeks))
	for i, w := range weeks {
		h := 0
		if top > 0 {
			h = int(w.Minor * int64(chartBottom-chartTop) / top)
		}
		if w.Minor > 0 && h < 1 {
			h = 1
		}
		out[i] = chartBar{X: i*slot + (slot-width)/2, Y: chartBottom - h, W: width, H: h, WeekBar: w}
	}
	return out
}

// mixSegment is one method's part of the stacked bar.
type mixSegment struct {
	X, W  int
	Class string
	MethodShare
}

// mixSegments lays the methods side by side across the chart's width.
func mixSegments(methods []MethodShare) []mixSegment {
	var out []mixSegment
	x := 0
	for i, m := range methods {
		w := m.ShareBP * chartW / 10000
		if i == len(methods)-1 {
			w = chartW - x // no gap from rounding
		}
		out = append(out, mixSegment{X: x, W: w, Class: mixClass(i), MethodShare: m})
		x += w
	}
	return out
}

func mixClass(i int) string { return "mix-" + strconv.Itoa(i%6) }

// periodLabel names a period choice.
func periodLabel(ctx context.Context, p string) string {
	switch p {
	case "90d":
		return T(ctx, "staff.dashboard.period_90d")
	case "12m":
		return T(ctx, "staff.dashboard.period_12m")
	}
	return T(ctx, "staff.dashboard.period_30d")
}
