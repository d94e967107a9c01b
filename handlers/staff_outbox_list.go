package handlers

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/settle/settle/internal/staff"
	"github.com/settle/settle/internal/store"
	"github.com/settle/settle/views"
)

// outboxPageSize is how many messages a page of the outbox shows.
const outboxPageSize = 50

var (
	outboxStatuses = []string{"queued", "sent", "failed", "unsent", "cancelled", "to_print"}
	outboxChannels = []string{"email", "sms", "letter"}
)

// staffOutboxList is the creditor's outbox, newest first, filtered by
// status and channel, paged by an id cursor (?before=id).
func (s *Server) staffOutboxList(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	q := r.URL.Query()
	f := store.OutboxFilter{BeforeID: cursor(r), Limit: outboxPageSize + 1}
	if st := q.Get("status"); slices.Contains(outboxStatuses, st) {
		f.Status = st
	}
	if ch := q.Get("channel"); slices.Contains(outboxChannels, ch) {
		f.Channel = ch
	}
	items, err := s.Store.OutboxMessages(r.Context(), sc.creditorID(), f)
	if err != nil {
		return err
	}
	vm := views.StaffOutboxVM{Status: f.Status, Channel: f.Channel, Statuses: outboxStatuses, Channels: outboxChannels}
	more := len(items) > outboxPageSize
	if more {
		items = items[:outboxPageSize]
	}
	loc := sc.creditor.Location()
	for _, m := range items {
		row := outboxRow(m, loc)
		row.Summary = s.redactMessage(row.Summary, m.Purpose)
		vm.Items = append(vm.Items, row)
	}
	page := url.Values{}
	if f.Status != "" {
		page.Set("status", f.Status)
	}
	if f.Channel != "" {
		page.Set("channel", f.Channel)
	}
	if f.BeforeID != 0 {
		vm.NewestURL = pageURL("/staff/outbox", page)
	}
	if more {
		page.Set("before", strconv.FormatInt(items[len(items)-1].ID, 10))
		vm.OlderURL = pageURL("/staff/outbox", page)
	}
	// Dunning letters waiting for print: the admins' print-and-mail card.
	if sc.can(staff.PermSettings) {
		n, newest, err := s.Store.LettersToPrintCount(r.Context(), sc.creditorID())
		if err != nil {
			return err
		}
		vm.Letters = &views.LettersCardVM{Count: n, UpTo: newest}
		if q.Get("done") == "posted" {
			vm.Letters.Notice = "staff.letters.posted"
		}
	}
	return s.renderStaff(w, r, http.StatusOK, sc, views.StaffOutboxPage(vm))
}
