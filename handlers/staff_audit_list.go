package handlers

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/settle/settle/internal/store"
	"github.com/settle/settle/views"
)

// auditPageSize is how many audit entries a page shows.
const auditPageSize = 50

// staffAuditList is the creditor's audit log, newest first, filtered by
// an action prefix (?action=session.) and a staff member (?staff=id),
// paged by an id cursor (?before=id).
func (s *Server) staffAuditList(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	ctx, cid := r.Context(), sc.creditorID()
	q := r.URL.Query()
	f := store.AuditFilter{Action: strings.TrimSpace(q.Get("action")), BeforeID: cursor(r), Limit: auditPageSize + 1}
	if len(f.Action) > 64 {
		f.Action = ""
	}
	if id, err := strconv.ParseInt(q.Get("staff"), 10, 64); err == nil && id > 0 {
		f.StaffID = id
	}
	entries, err := s.Store.AuditEntries(ctx, cid, f)
	if err != nil {
		return err
	}
	groups, err := s.Store.AuditActionGroups(ctx, cid)
	if err != nil {
		return err
	}
	for _, g := range []string{"session", "user"} {
		if !slices.Contains(groups, g) {
			groups = append(groups, g)
		}
	}
	if g, _, ok := strings.Cut(f.Action, "."); ok && g != "" && !slices.Contains(groups, g) {
		groups = append(groups, g)
	}
	slices.Sort(groups)
	actors, err := s.Store.AuditActors(ctx, cid)
	if err != nil {
		return err
	}
	vm := views.StaffAuditVM{Action: f.Action, StaffID: f.StaffID, Groups: groups}
	for _, a := range actors {
		vm.Actors = append(vm.Actors, views.AuditActor{ID: a.ID, Email: a.Email})
	}
	loc := sc.creditor.Location()
	more := len(entries) > auditPageSize
	if more {
		entries = entries[:auditPageSize]
	}
	for _, e := range entries {
		row := views.AuditRow{ID: e.ID, Action: e.Action, Subject: e.Subject, At: e.At.In(loc),
			Changes: auditChanges(e.Before, e.After)}
		if e.StaffEmail != nil {
			row.Who = *e.StaffEmail
		}
		vm.Entries = append(vm.Entries, row)
	}
	page := url.Values{}
	if f.Action != "" {
		page.Set("action", f.Action)
	}
	if f.StaffID != 0 {
		page.Set("staff", strconv.FormatInt(f.StaffID, 10))
	}
	if f.BeforeID != 0 {
		vm.NewestURL = pageURL("/staff/audit", page)
	}
	if more {
		page.Set("before", strconv.FormatInt(entries[len(entries)-1].ID, 10))
		vm.OlderURL = pageURL("/staff/audit", page)
	}
	return s.renderStaff(w, r, http.StatusOK, sc, views.StaffAuditPage(vm))
}

// pageURL is path with a query, if any.
func pageURL(path string, q url.Values) string {
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// auditChanges lines up an entry's before and after, key by key, leaving
// out what stayed the same. A value that is not an object counts as one
// field named "value".
func auditChanges(before, after json.RawMessage) []views.AuditChange {
	b, a := auditFields(before), auditFields(after)
	keys := make([]string, 0, len(b)+len(a))
	for k := range b {
		keys = append(keys, k)
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var out []views.AuditChange
	for _, k := range keys {
		bv, hasB := b[k]
		av, hasA := a[k]
		if hasB && hasA {
			bj, _ := json.Marshal(bv)
			aj, _ := json.Marshal(av)
			if string(bj) == string(aj) {
				continue
			}
		}
		out = append(out, views.AuditChange{Key: k, Before: bv, After: av, HasBefore: hasB, HasAfter: hasA})
	}
	return out
}

func auditFields(raw json.RawMessage) map[string]any {
	var v any
	if len(raw) == 0 || json.Unmarshal(raw, &v) != nil || v == nil {
		return nil
	}
	if m, ok := v.(map[string]any); ok {
		return m
	}
	return map[string]any{"value": v}
}
