package handlers

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/staff"
	"github.com/settle/settle/internal/store"
)

// addTask files a task of kind for d, created at the harness's clock;
// mod changes it before it is stored.
func (h *harness) addTask(d *ar.Debtor, kind string, mod ...func(*store.Task)) int64 {
	h.t.Helper()
	t := &store.Task{CreditorID: d.CreditorID, DebtorID: d.ID, Kind: kind, CreatedAt: h.clock.Now(), Currency: "EUR"}
	for _, m := range mod {
		m(t)
	}
	if err := h.st.AddTask(h.ctx, t); err != nil {
		h.t.Fatal(err)
	}
	return t.ID
}

// staffAccount signs in a new account of role at c and returns the
// client, the account's id and its email (to sign in again after the
// clock moved past the idle timeout).
func (h *harness) staffAccount(role string, c *ar.Creditor) (*tclient, int64, string) {
	h.t.Helper()
	email := h.addStaff(role, c, false)
	u, err := h.st.StaffUserByEmail(h.ctx, email)
	if err != nil {
		h.t.Fatal(err)
	}
	cl := h.client()
	cl.staffLogin(email)
	return cl, u.ID, email
}

// queueRows are the task rows of a queue page: id → data-late, in order.
func queueRows(t *testing.T, res *tresp) (ids []int64, late map[int64]bool) {
	t.Helper()
	late = map[int64]bool{}
	for _, n := range res.html(t).testID("task") {
		v, _ := attr(n, "data-task")
		id, _ := strconv.ParseInt(v, 10, 64)
		l, _ := attr(n, "data-late")
		ids = append(ids, id)
		late[id] = l == "true"
	}
	return ids, late
}

func sameIDs(got []int64, want ...int64) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

// The queue lists the own creditor's open tasks with counts per kind,
// marks them late once their SLA (or a callback's time) has passed,
// late ones first, and filters by kind, holder and lateness.
func TestStaffQueues(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	start := h.clock.Now()
	at := func(d time.Duration) func(*store.Task) {
		return func(t *store.Task) { t.CreatedAt = start.Add(d) }
	}
	charge := h.addTask(h.bob, "chargeback", at(-2*time.Hour), func(t *store.Task) { t.AmountMinor = 2000 })
	over := h.addTask(h.alice, "overpayment", at(-time.Hour), func(t *store.Task) { t.AmountMinor = 1500 })
	call := h.addTask(h.alice, "callback", at(-3*time.Hour), func(t *store.Task) {
		due := start.Add(2 * time.Hour) // 12:00 in Berlin
		t.DueAt, t.Note = &due, "Ruft nach der Mittagspause"
	})
	dispute := h.addTask(h.bob, "dispute")
	h.addTask(h.carol, "chargeback", func(t *store.Task) { t.AmountMinor = 9999; t.Note = "Carols Rückbuchung" })
	done := h.addTask(h.alice, "overpayment")
	h.db.MustExec(`UPDATE staff_tasks SET done_at = now() WHERE id = $1`, done)

	agent, _, email := h.staffAccount(staff.RoleAgent, h.a)
	res := agent.get("/staff/queues", "Accept-Language", "en")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("queues: %d", res.StatusCode)
	}
	doc := res.html(t)
	text := doc.text()
	if !contains(text, aliceName) || !contains(text, bobName) || contains(text, carolName) || contains(text, "Carols") {
		t.Errorf("queue shows the wrong creditor's tasks: %s", text)
	}
	for id, want := range map[string]string{"all": "4", "callback": "1", "overpayment": "1", "chargeback": "1",
		"dispute": "1", "plan_request": "0"} {
		if got := doc.testIDText("count-" + id); got != want {
			t.Errorf("tab %s counts %q, want %s", id, got, want)
		}
	}
	ids, late := queueRows(t, res)
	// Nothing late yet: oldest first, the callback by its time (12:00).
	if !sameIDs(ids, charge, over, dispute, call) {
		t.Errorf("order %v, want %v", ids, []int64{charge, over, dispute, call})
	}
	for id, l := range late {
		if l {
			t.Errorf("task %d late at the start", id)
		}
	}
	for _, want := range []string{"Chargeback", "€20.00", "Overpayment", "€15.00", "Callback", "Call at 23 Nov 2026 12:00",
		"Ruft nach der Mittagspause", "2 h 0 min", "3 h 0 min", "Nobody", "K-200", "Dispute", "3 d 0 h left",
		"22 h 0 min left", "4 d 23 h left"} {
		if !contains(text, want) {
			t.Errorf("queue lacks %q", want)
		}
	}
	if got := doc.all(func(n *htmlNode) bool {
		v, _ := attr(n, "href")
		return n.Data == "a" && v == "/staff/debtors/"+strconv.FormatInt(h.alice.ID, 10)
	}); len(got) != 2 {
		t.Errorf("%d links to alice's page, want 2", len(got))
	}

	// A day later (23 h): the chargeback (SLA 24 h) and the callback are
	// late and come first; the others not yet.
	h.clock.Advance(23 * time.Hour)
	agent.staffLogin(email) // the session idled out
	for _, lang := range []string{"en", "de"} {
		res = agent.get("/staff/queues", "Accept-Language", lang)
		ids, late = queueRows(t, res)
		if !sameIDs(ids, charge, call, over, dispute) || !late[charge] || !late[call] || late[over] || late[dispute] {
			t.Errorf("%s: after 23 h: order %v, late %v", lang, ids, late)
		}
	}
	de := res.html(t)
	if got := de.testIDText("count-chargeback"); got != "1" {
		t.Errorf("chargeback count %q", got)
	}
	for _, want := range []string{"Überfällig", "1 überfällig", "fällig seit 23.11.2026 12:00", "1 T. 1 Std.", "Rückbuchung", "20,00 €"} {
		if !contains(de.text(), want) {
			t.Errorf("German queue lacks %q", want)
		}
	}

	// The start page's tiles lead to the late ones.
	home := agent.get("/staff", "Accept-Language", "en").html(t)
	if len(home.all(func(n *htmlNode) bool {
		v, _ := attr(n, "href")
		return n.Data == "a" && v == "/staff/queues?kind=chargeback&late=1"
	})) != 1 {
		t.Error("start page: no link to the late chargebacks")
	}

	// Filters.
	for q, want := range map[string][]int64{
		"?late=1":                 {charge, call},
		"?kind=callback":          {call},
		"?kind=overpayment":       {over},
		"?kind=nonsense":          {charge, call, over, dispute},
		"?who=unassigned":         {charge, call, over, dispute},
		"?who=mine":               nil,
		"?kind=dispute&late=1":    nil,
		"?kind=chargeback&late=1": {charge},
	} {
		res := agent.get("/staff/queues"+q, "Accept-Language", "en")
		ids, _ := queueRows(t, res)
		if res.StatusCode != http.StatusOK || !sameIDs(ids, want...) {
			t.Errorf("%s: %d %v, want %v", q, res.StatusCode, ids, want)
		}
		if len(want) == 0 && len(res.html(t).testID("queue-empty")) != 1 {
			t.Errorf("%s: no empty-queue message", q)
		}
	}
	// The tabs keep the other filters.
	res = agent.get("/staff/queues?who=unassigned&late=1&kind=callback", "Accept-Language", "en")
	tabs := res.html(t).all(func(n *htmlNode) bool { _, ok := attr(n, "data-kind"); return n.Data == "a" && ok })
	if len(tabs) != 6 {
		t.Fatalf("%d tabs", len(tabs))
	}
	if href, _ := attr(tabs[2], "href"); href != "/staff/queues?kind=dispute&late=1&who=unassigned" {
		t.Errorf("dispute tab links to %q", href)
	}
	if cur, _ := attr(tabs[1], "aria-current"); cur != "true" {
		t.Errorf("callback tab not current: %q", cur)
	}
}

// Taking, releasing, taking over and finishing tasks: each change is in
// the audit log, the role decides per kind (agents take callbacks, not
// money), a task someone holds moves only when taken over explicitly,
// and a finished task leaves an internal entry on the debtor's timeline.
func TestStaffTaskActions(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	over := h.addTask(h.alice, "overpayment", func(t *store.Task) { t.AmountMinor = 1500 })
	call := h.addTask(h.bob, "callback")
	carols := h.addTask(h.carol, "callback")
	agent, agentID, _ := h.staffAccount(staff.RoleAgent, h.a)
	ar1, ar1ID, ar1Email := h.staffAccount(staff.RoleAR, h.a)
	ar2, ar2ID, _ := h.staffAccount(staff.RoleAR, h.a)

	path := func(id int64, action string) string {
		return "/staff/tasks/" + strconv.FormatInt(id, 10) + "/" + action
	}
	assignee := func(id int64) int64 {
		var v *int64
		if err := h.db.Get(&v, `SELECT assigned_to FROM staff_tasks WHERE id = $1`, id); err != nil {
			t.Fatal(err)
		}
		if v == nil {
			return 0
		}
		return *v
	}
	audits := func(action string) int {
		return h.queryInt(`SELECT count(*) FROM audit_log WHERE action = $1 AND creditor_id = $2`, action, h.a.ID)
	}
	status := func(c *tclient, id int64, action string, form url.Values, want int) *tresp {
		t.Helper()
		if form == nil {
			form = url.Values{}
		}
		if form.Get("back") == "" {
			form.Set("back", "/staff/queues?kind=callback")
		}
		res := c.post(path(id, action), form, "Accept-Language", "en")
		if res.StatusCode != want {
			t.Fatalf("%s as role: %d, want %d\n%s", path(id, action), res.StatusCode, want, res.html(t).text())
		}
		return res
	}

	// An agent may not take money work, but may take a callback.
	res := status(agent, over, "assign", nil, http.StatusForbidden)
	if !contains(res.html(t).text(), h.en().T("error.staff.forbidden")) || assignee(over) != 0 {
		t.Errorf("agent on an overpayment: %q, assigned to %d", res.html(t).text(), assignee(over))
	}
	status(agent, over, "done", nil, http.StatusForbidden)
	res = status(agent, call, "assign", nil, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != "/staff/queues?kind=callback" || assignee(call) != agentID {
		t.Errorf("agent takes the callback: to %q, assigned to %d", loc, assignee(call))
	}
	status(agent, call, "assign", nil, http.StatusSeeOther) // again: nothing changes
	if n := audits("task.assigned"); n != 1 {
		t.Errorf("%d task.assigned entries, want 1", n)
	}
	// Someone else holds it: no silent move, only an explicit take-over.
	res = status(ar1, call, "assign", nil, http.StatusConflict)
	if !contains(res.html(t).text(), h.en().T("error.staff.queues.held")) || assignee(call) != agentID {
		t.Errorf("second taker: assigned to %d", assignee(call))
	}
	status(ar1, call, "done", nil, http.StatusConflict)
	status(ar1, call, "release", nil, http.StatusConflict)
	// What the agent sees: the callback is theirs, the overpayment not for
	// their role.
	page := agent.get("/staff/queues", "Accept-Language", "en").html(t)
	if len(page.testID("release")) != 1 || !contains(page.text(), "Not for your role") || !contains(page.text(), "You") {
		t.Errorf("agent's queue: %s", page.text())
	}
	status(ar1, call, "assign", url.Values{"take_over": {"1"}}, http.StatusSeeOther)
	if assignee(call) != ar1ID || audits("task.taken_over") != 1 {
		t.Errorf("take over: assigned to %d, %d entries", assignee(call), audits("task.taken_over"))
	}
	var before, after string
	h.db.QueryRow(`SELECT before::text, after::text FROM audit_log WHERE action = 'task.taken_over'`).Scan(&before, &after)
	if before != `{"assigned_to": `+strconv.FormatInt(agentID, 10)+`}` || after != `{"assigned_to": `+strconv.FormatInt(ar1ID, 10)+`}` {
		t.Errorf("take-over audit: %s → %s", before, after)
	}
	// The agent now sees a "take over" button naming the holder.
	page = agent.get("/staff/queues?kind=callback", "Accept-Language", "en").html(t)
	if b := page.testID("take-over"); len(b) != 1 || !contains(textOf(b[0]), "Take over from "+ar1Email) {
		t.Errorf("take-over button: %v", page.text())
	}
	status(agent, call, "release", nil, http.StatusConflict)
	status(ar1, call, "release", nil, http.StatusSeeOther)
	if assignee(call) != 0 || audits("task.released") != 1 {
		t.Errorf("release: assigned to %d, %d entries", assignee(call), audits("task.released"))
	}

	// Done with a note: who and when, the timeline, the audit log.
	status(ar2, over, "assign", nil, http.StatusSeeOther)
	h.clock.Advance(5 * time.Minute)
	status(ar2, over, "done", url.Values{"note": {"  Erstattet per Überweisung  "}}, http.StatusSeeOther)
	var task store.Task
	if err := h.db.Get(&task, `SELECT id, creditor_id, debtor_id, kind, payment_id, subject_id, amount_minor, currency,
		created_at, due_at, note, assigned_to, created_by, done_at, done_by FROM staff_tasks WHERE id = $1`, over); err != nil {
		t.Fatal(err)
	}
	if task.DoneAt == nil || !task.DoneAt.Equal(h.clock.Now()) || task.DoneBy == nil || *task.DoneBy != ar2ID {
		t.Errorf("done: at %v by %v", task.DoneAt, task.DoneBy)
	}
	var entry struct {
		Visibility string `db:"visibility"`
		StaffID    *int64 `db:"staff_id"`
		Actor      string `db:"actor"`
		Data       []byte `db:"data"`
	}
	if err := h.db.Get(&entry, `SELECT visibility, staff_id, actor, data FROM interactions
		WHERE creditor_id = $1 AND debtor_id = $2 AND kind = 'task.done'`, h.a.ID, h.alice.ID); err != nil {
		t.Fatalf("timeline entry: %v", err)
	}
	var data map[string]any
	json.Unmarshal(entry.Data, &data)
	if entry.Visibility != "internal" || entry.StaffID == nil || *entry.StaffID != ar2ID || entry.Actor != "staff" ||
		data["note"] != "Erstattet per Überweisung" || data["task_kind"] != "overpayment" || data["amount_minor"] != float64(1500) {
		t.Errorf("timeline entry %+v %v", entry, data)
	}
	if audits("task.done") != 1 {
		t.Errorf("%d task.done entries", audits("task.done"))
	}
	// A debtor never sees it.
	if n := h.queryInt(`SELECT count(*) FROM interactions WHERE kind = 'task.done' AND visibility = 'customer'`); n != 0 {
		t.Errorf("%d task.done entries visible to the customer", n)
	}
	// Done is done; the queue no longer lists it.
	status(ar2, over, "done", nil, http.StatusConflict)
	status(ar2, over, "assign", nil, http.StatusConflict)
	if ids, _ := queueRows(t, ar2.get("/staff/queues")); !sameIDs(ids, call) {
		t.Errorf("queue after done: %v", ids)
	}
	// An agent finishes an unassigned callback; a long note is refused.
	res = status(agent, call, "done", url.Values{"note": {strings.Repeat("x", 501)}}, http.StatusBadRequest)
	if !contains(res.html(t).text(), h.en().T("error.staff.queues.note_too_long")) {
		t.Errorf("long note: %s", res.html(t).text())
	}
	status(agent, call, "done", url.Values{"back": {"https://evil.example/"}}, http.StatusSeeOther)
	if h.queryInt(`SELECT count(*) FROM staff_tasks WHERE id = $1 AND done_by = $2`, call, agentID) != 1 {
		t.Error("agent's callback not done")
	}
	// Another creditor's task, and no task at all: not found.
	status(ar1, carols, "assign", nil, http.StatusNotFound)
	status(ar1, 999999, "done", nil, http.StatusNotFound)
	if res := ar1.post("/staff/tasks/abc/assign", nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("bad id: %d", res.StatusCode)
	}
	if h.queryInt(`SELECT count(*) FROM audit_log WHERE subject LIKE $1`, "task:"+strconv.FormatInt(carols, 10)+"%") != 0 {
		t.Error("audit entry for another creditor's task")
	}
}

// A redirect target from the form stays inside the back office.
func TestStaffTaskBack(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	agent, _, _ := h.staffAccount(staff.RoleAgent, h.a)
	for back, want := range map[string]string{
		"":                           "/staff/queues",
		"/staff/queues?who=mine":     "/staff/queues?who=mine",
		"https://evil.example/x":     "/staff",
		"//evil.example/staff":       "/staff",
		"/account":                   "/staff",
		"/staff/debtors/1?tab=notes": "/staff/debtors/1?tab=notes",
	} {
		id := h.addTask(h.alice, "callback")
		res := agent.post("/staff/tasks/"+strconv.FormatInt(id, 10)+"/assign", url.Values{"back": {back}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != want {
			t.Errorf("back %q: %d to %q, want %q", back, res.StatusCode, res.Header.Get("Location"), want)
		}
	}
}
