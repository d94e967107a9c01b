package views

import (
	"context"
	"strconv"
	"time"
)

// QueuesVM is the work queues page.
type QueuesVM struct {
	Kind     string // the tab shown; "" for all open tasks
	Who      string // "", "mine" or "unassigned"
	LateOnly bool
	Tabs     []QueueTab
	Rows     []QueueRow
	Total    int    // tasks matching the filters (Rows stops at a cap)
	Back     string // this page with its filters, for the forms to return to
}

// QueueTab is one kind's tab with its counts.
type QueueTab struct {
	Kind    string // "" for all
	URL     string
	Open    int
	Late    int
	Current bool
}

// QueueRow is one open task.
type QueueRow struct {
	ID             int64
	Kind           string
	DebtorID       int64
	DebtorName     string
	CustomerNumber string
	AmountMinor    int64 // 0: no amount for this kind
	Currency       string
	Age            time.Duration
	Late           bool
	Deadline       time.Time     // SLA end, or a callback's time, in the creditor's zone; zero: none
	Left           time.Duration // until Deadline (not late)
	Assignee       string        // "" when nobody holds it
	Mine           bool
	Note           string
	CanAct         bool   // the viewer's role may work on this kind
	SubjectURL     string // the task's subject (a plan request's page); "" for none
	KindKey        string // issue 9: a translation key naming the task instead of its kind (a credit request)
}

// spanText says a span of time briefly: "25 min", "4 h 10 min", "3 d 4 h".
func spanText(ctx context.Context, d time.Duration) string {
	if d < 0 {
		d = 0
	}
	mins := int(d / time.Minute)
	switch {
	case mins < 1:
		return T(ctx, "staff.queues.dur_lt_m")
	case mins < 60:
		return T(ctx, "staff.queues.dur_m", "Minutes", mins)
	case mins < 24*60:
		return T(ctx, "staff.queues.dur_hm", "Hours", mins/60, "Minutes", mins%60)
	}
	return T(ctx, "staff.queues.dur_dh", "Days", mins/(24*60), "Hours", mins/60%24)
}

// queueTime formats an instant (already in the right zone) as date and
// clock time.
func queueTime(ctx context.Context, t time.Time) string {
	return Date(ctx, t) + " " + t.Format("15:04")
}

func taskURL(id int64, action string) string {
	return "/staff/tasks/" + strconv.FormatInt(id, 10) + "/" + action
}
