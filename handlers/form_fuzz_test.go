package handlers

// A fuzz target for form bodies: every POST route of the router that a
// browser sends a form to, posted by who may use it (the stepped-up
// debtor, an admin) with a fuzzed application/x-www-form-urlencoded body.
// Whatever arrives, the answer is never a 5xx (a panic is recovered into
// a 500, so it fails too). The API's JSON bodies have FuzzAPIBodies, the
// dispute forms and uploads FuzzDisputeForm and FuzzDisputeUpload.
//
//	go test -run '^$' -fuzz '^FuzzForms$' -fuzztime 10s ./handlers

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/settle/settle/internal/staff"
)

// formParams are the fields POST handlers read, each with a value of the
// right shape; the seeds vary them.
const formParams = "amount=12,34&invoice=R-1001&method=creditcard&answer=10115&code=123456&channel=email&next=/account" +
	"&reason=wrong_amount&text=Hallo&note=n&date=2026-12-01&promise_date=2026-12-01&promise_amount=10,00" +
	"&instalments=3&monthly=20,00&day=15&until=2026-12-31&defer_to=2026-12-15&email=x@example.org&name=X" +
	"&role=agent&url=https://hooks.example.org/x&event_types=payment.paid&outcome=reached&direction=out" +
	"&number=%2B491701234567&kind=callback&callback_at=2026-12-01T10:00&hardship=on&dry_run=1&rows=1" +
	"&primary_color=%23123456&accent_color=%23654321&default_language=de&consent=on&confirm=on&password=pw&winner=control"

// formSeeds are bodies worth trying anywhere: empty, repeated and
// oversized fields, broken encodings, numbers at their limits.
var formSeeds = []string{
	"", formParams, "amount=1e400", "amount=-0,01&invoice=R-1001&invoice=R-1001", "amount=99999999999999999999",
	"date=0000-00-00&until=9999-12-31&instalments=-1", "instalments=100000&day=0", "%zz=%zz", "a=%00&b=%ff%fe",
	"next=//evil.example&next=javascript:alert(1)", "text=" + strings.Repeat("ä", 5000), "=&&==&",
	"email=" + strings.Repeat("a", 300) + "@x&role=owner&url=http://127.0.0.1/", "primary_color=red;}body{x:1&accent_color=",
	"callback_at=2026-13-45T99:99&promise_date=yesterday&promise_amount=,", "rows=%0a%0d&rules=%7b",
}

func FuzzForms(f *testing.F) {
	h := newHarness(f)
	vals := h.routeValues()
	vals["id"] = alicePayment
	debtor := h.steppedUp(h.alice).c
	admin := h.staffClient(staff.RoleAdmin, h.a).c
	anon := h.client().c

	type post struct {
		pattern, path string
		c             *http.Client
	}
	var posts []post
	for _, rt := range h.srv.Routes() {
		method, path := splitPattern(rt.Pattern)
		if method != http.MethodPost || rt.Access == APIKey {
			continue
		}
		// Signing out would leave the rest of the run without a session.
		if strings.HasSuffix(path, "/logout") {
			continue
		}
		u, err := fillPath(path, vals)
		if err != nil {
			f.Fatalf("%s: %v", rt.Pattern, err)
		}
		posts = append(posts, post{pattern: rt.Pattern, path: u, c: fuzzClient(rt.Access, debtor, admin, anon)})
	}
	if len(posts) < 20 {
		f.Fatalf("only %d POST routes found", len(posts))
	}
	for i := range posts {
		for _, body := range formSeeds {
			f.Add(uint16(i), body)
		}
	}

	f.Fuzz(func(t *testing.T, route uint16, body string) {
		p := posts[int(route)%len(posts)]
		// The harness's helpers would use its *testing.F inside the
		// target: requests go through the clients' transports directly.
		req, err := http.NewRequest(http.MethodPost, testBase+p.path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		res, err := p.c.Do(req)
		if err != nil {
			t.Fatalf("POST %s: %v", p.path, err)
		}
		out, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode >= 500 {
			t.Fatalf("%s: POST %s with %.300q = %d: %.500s", p.pattern, p.path, body, res.StatusCode, out)
		}
	})
}

// fuzzClient is who calls a route in the fuzz targets: the stepped-up
// debtor for debtor routes, an admin for staff routes, else nobody (API
// routes add the key themselves).
func fuzzClient(a Access, debtor, admin, anon *http.Client) *http.Client {
	switch a {
	case Debtor, StepUp:
		return debtor
	case Staff:
		return admin
	}
	return anon
}
