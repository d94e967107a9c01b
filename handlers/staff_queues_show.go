package handlers

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/staff"
	"github.com/settle/settle/internal/store"
	"github.com/settle/settle/views"
)

// queueCap is how many tasks one queue page lists; the page says when
// there are more.
const queueCap = 200

// staffQueuesShow lists the open work: a tab per kind (?kind=), whose
// (?who=mine|unassigned) and late only (?late=1). Late first, then the
// oldest; callbacks by their time.
func (s *Server) staffQueuesShow(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	q := r.URL.Query()
	f := store.TaskFilter{Kind: q.Get("kind"), Who: q.Get("who"), StaffID: sc.sess.User.ID,
		LateOnly: q.Get("late") == "1", Limit: queueCap}
	if !slices.Contains(taskKinds, f.Kind) {
		f.Kind = ""
	}
	if f.Who != "mine" && f.Who != "unassigned" {
		f.Who = ""
	}
	now := s.Now()
	counts, err := s.Store.OpenTaskCounts(r.Context(), sc.creditorID(), now)
	if err != nil {
		return err
	}
	list, err := s.Store.OpenTasks(r.Context(), sc.creditorID(), f, now)
	if err != nil {
		return err
	}
	vm := views.QueuesVM{Kind: f.Kind, Who: f.Who, LateOnly: f.LateOnly, Back: queueURL(f.Kind, f.Who, f.LateOnly)}
	all := views.QueueTab{URL: queueURL("", f.Who, f.LateOnly), Current: f.Kind == ""}
	for _, k := range taskKinds {
		all.Open += counts[k].Open
		all.Late += counts[k].Late
	}
	vm.Tabs = append(vm.Tabs, all)
	for _, k := range taskKinds {
		vm.Tabs = append(vm.Tabs, views.QueueTab{Kind: k, URL: queueURL(k, f.Who, f.LateOnly),
			Open: counts[k].Open, Late: counts[k].Late, Current: f.Kind == k})
	}
	loc := sc.creditor.Location()
	// Issue 9: which dispute tasks are credit requests.
	var caseIDs []int64
	for _, t := range list {
		if t.Kind == "dispute" && t.SubjectID != nil {
			caseIDs = append(caseIDs, *t.SubjectID)
		}
	}
	caseKinds, err := s.Store.CaseKinds(r.Context(), sc.creditorID(), caseIDs)
	if err != nil {
		return err
	}
	for _, t := range list {
		vm.Total = t.Total
		row := views.QueueRow{ID: t.ID, Kind: t.Kind, DebtorID: t.DebtorID, DebtorName: t.DebtorName,
			CustomerNumber: t.CustomerNumber, AmountMinor: t.AmountMinor, Currency: t.Currency,
			Age: now.Sub(t.CreatedAt), Late: t.Late, Assignee: t.Assignee, Note: t.Note,
			Mine:   t.AssignedTo != nil && *t.AssignedTo == sc.sess.User.ID,
			CanAct: sc.can(staff.TaskPermission(t.Kind))}
		if t.Kind == "plan_request" && t.SubjectID != nil {
			row.SubjectURL = "/staff/plans/" + strconv.FormatInt(*t.SubjectID, 10)
		}
		if t.Kind == "dispute" && t.SubjectID != nil {
			row.SubjectURL = staffDisputePath(*t.SubjectID, "")
			if caseKinds[*t.SubjectID] == ar.CaseCreditRequest {
				row.KindKey = "staff.credit_requests.queue_kind"
			}
		}
		if t.Deadline != nil {
			row.Deadline = t.Deadline.In(loc)
			row.Left = t.Deadline.Sub(now)
		}
		vm.Rows = append(vm.Rows, row)
	}
	return s.renderStaff(w, r, http.StatusOK, sc, views.StaffQueuesPage(vm))
}

// queueURL is the queue page with its filters.
func queueURL(kind, who string, late bool) string {
	v := url.Values{}
	if kind != "" {
		v.Set("kind", kind)
	}
	if who != "" {
		v.Set("who", who)
	}
	if late {
		v.Set("late", "1")
	}
	if len(v) == 0 {
		return "/staff/queues"
	}
	return "/staff/queues?" + v.Encode()
}
