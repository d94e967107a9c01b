package handlers

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/settle/settle/internal/staff"
)

// staffRoutes are the routes that need a staff session.
func staffRoutes(s *Server) []Route {
	var out []Route
	for _, rt := range s.Routes() {
		if rt.Access == Staff {
			out = append(out, rt)
		}
	}
	return out
}

// staffIdentifiers are, per path parameter of a staff route, an
// identifier of creditor A's (the staff member's own) and one of
// creditor B's. A new staff route with a new parameter fails the tests
// until it is added here.
func staffIdentifiers(h *harness) map[string][2]string {
	return map[string][2]string{
		// search, debtor view, calls
		"debtor":  {strconv.FormatInt(h.alice.ID, 10), strconv.FormatInt(h.carol.ID, 10)},
		"invoice": {aliceNumbers[0], carolNumbers[1]},

		// queues and dashboard
		"task": {strconv.FormatInt(h.addTask(h.alice, "callback"), 10), strconv.FormatInt(h.addTask(h.carol, "callback"), 10)},

		// payment plans
		"plan": {h.addPlan(h.a, h.alice), h.addPlan(h.b, h.carol)},

		// disputes
		"dispute":    {strconv.FormatInt(h.disputeIDs[aliceDispute], 10), strconv.FormatInt(h.disputeIDs[carolDispute], 10)},
		"attachment": {aliceAttachment, carolAttachment},

		// credit notes
		"creditnote": {h.addCreditNote(h.a, h.alice, "GS-ALICE", "", 100), h.addCreditNote(h.b, h.carol, "GS-CAROL", "", 100)},

		// users, audit log, outbox
		"user":    {h.staffUserID(h.addStaff(staff.RoleAgent, h.a, false)), h.staffUserID(h.addStaff(staff.RoleAgent, h.b, false))},
		"message": {h.addMessage(h.a, &h.alice.ID, "<p>Hallo Alice Amsel</p>"), h.addMessage(h.b, &h.carol.ID, "<p>Hello Carol</p>")},

		// settings (branding, API keys, webhook endpoints)
		"apikey":   {h.addAPIKey(h.a, "billing"), h.addAPIKey(h.b, "billing")},
		"endpoint": {h.addEndpoint(h.a), h.addEndpoint(h.b)},
		"delivery": {h.addDelivery(h.a), h.addDelivery(h.b)},

		// dunning letters (issue 9): a final notice by letter at A and at B
		"letter": h.letterIDs(),
		// dunning admin (issue 9): policy keys are per creditor
		"policy": {h.addDunningPolicy(h.a, "stadtwerke-own"), h.addDunningPolicy(h.b, "funknetz-own")},
		// experiments (issue 9)
		"experiment": {h.addExperiment(h.a, "exp-a"), h.addExperiment(h.b, "exp-b")},
	}
}

// Every staff route, generated from the router, with every role: the
// role matrix (staff.Can) decides, and a missing permission is 403 before
// anything happens. Without a session: GET goes to the sign-in, anything
// else is 401.
func TestStaffRoleMatrix(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	clients := map[string]*tclient{}
	for _, role := range staff.Roles {
		clients[role] = h.staffClient(role, h.a)
	}
	anon := h.client()
	ids := staffIdentifiers(h)
	for _, rt := range staffRoutes(h.srv) {
		if rt.Perm == "" {
			t.Errorf("staff route %q names no permission", rt.Pattern)
			continue
		}
		method, path := splitPattern(rt.Pattern)
		vals := map[string]string{}
		for _, p := range wildcards(path) {
			v, ok := ids[p]
			if !ok {
				t.Fatalf("route %q: no identifiers for {%s}; add creditor A's and B's to staffIdentifiers", rt.Pattern, p)
			}
			vals[p] = v[0]
		}
		u, err := fillPath(path, vals)
		if err != nil {
			t.Fatal(err)
		}
		if method == "" {
			method = http.MethodGet
		}
		res := anon.do(method, u, nil)
		if method == http.MethodGet {
			if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/staff/login") {
				t.Errorf("%s signed out = %d to %q, want 303 to the sign-in", rt.Pattern, res.StatusCode, res.Header.Get("Location"))
			}
		} else if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s signed out = %d, want 401", rt.Pattern, res.StatusCode)
		}
		for _, role := range staff.Roles {
			if rt.Pattern == "POST /staff/logout-everywhere" {
				continue // would sign the test client out
			}
			res := clients[role].do(method, u, nil)
			forbidden := res.StatusCode == http.StatusForbidden
			if want := !staff.Can(role, rt.Perm); forbidden != want {
				t.Errorf("%s as %s = %d; forbidden should be %v", rt.Pattern, role, res.StatusCode, want)
			}
			if res.StatusCode == http.StatusUnauthorized || res.StatusCode >= 500 {
				t.Errorf("%s as %s = %d", rt.Pattern, role, res.StatusCode)
			}
		}
	}
}

// Staff of creditor B never reach creditor A's objects: every staff route
// with an identifier, with A's identifier, answers 404 to B's admin (who
// may do everything), and nothing of A's shows.
func TestStaffIDORMatrix(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ownAdmin := h.staffClient(staff.RoleAdmin, h.a)
	otherAdmin := h.staffClient(staff.RoleAdmin, h.b)
	ids := staffIdentifiers(h)
	checked := 0
	for _, rt := range staffRoutes(h.srv) {
		method, path := splitPattern(rt.Pattern)
		params := wildcards(path)
		if len(params) == 0 {
			continue
		}
		vals := map[string]string{}
		for _, p := range params {
			v, ok := ids[p]
			if !ok {
				t.Fatalf("route %q: no identifiers for {%s}; add creditor A's and B's to staffIdentifiers", rt.Pattern, p)
			}
			vals[p] = v[0]
		}
		u, _ := fillPath(path, vals)
		if method == "" {
			method = http.MethodGet
		}
		res := otherAdmin.do(method, u, nil)
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("%s %s as creditor B's admin = %d, want 404", method, u, res.StatusCode)
		}
		for _, secret := range []string{aliceName, aliceEmail, bobName} {
			if strings.Contains(res.body, secret) {
				t.Errorf("%s %s as creditor B's admin shows %q", method, u, secret)
			}
		}
		if method == http.MethodGet {
			if own := ownAdmin.get(u); own.StatusCode != http.StatusOK {
				t.Errorf("%s as creditor A's admin = %d, want 200", u, own.StatusCode)
			}
		}
		checked++
	}
	t.Logf("%d staff routes with identifiers checked", checked)
}
