package handlers

// A fuzz target for query strings: every GET route of the router, called
// by who may use it (the stepped-up debtor, an admin, the API key) and
// anonymously, with a fuzzed query string appended. Whatever a browser,
// a bookmark or a crawler sends, the answer is never a 5xx (a panic is
// recovered into a 500, so it fails too).
//
//	go test -run '^$' -fuzz '^FuzzQueryParams$' -fuzztime 10s ./handlers

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/settle/settle/internal/staff"
)

// queryParams are the parameters GET handlers read (r.URL.Query()), each
// with a value it accepts; the seeds combine them.
const queryParams = "from=2026-01-01&to=2026-12-31&format=pdf&kind=payments&q=Amsel&number=R-1001&lang=en" +
	"&next=/account&done=1&saved=1&notice=saved&sent=email&status=sent&channel=sms&after=evt_1&limit=5&before=10" +
	"&staff=1&action=dispute.accepted&amount=12,34&invoice=R-1001&period=30d&who=me&late=1&upto=2026-12-01" +
	"&debtor=K-100&sample_amount=100&sample_instalments=3&customer=K-100&expires=1&nonce=n&signature=s" +
	"&c=" + slugA + "&autopay=started&revoked=1&call=out&to=alice@example.org"

// querySeeds are queries worth trying on particular routes: the
// statement's period and format, the history filter, the staff search
// and lists' cursors, the API's paging, the entry URL's signature.
var querySeeds = map[string][]string{
	"GET /account/statement": {"from=2026-12-31&to=2026-01-01", "from=0001-01-01&to=9999-12-31&format=csv",
		"from=1900-01-01&format=pdf", "from=nope&to=&format=html", "from=2026-02-30", "format=csv&format=pdf",
		"from=2026-01-01T00:00:00Z", "to=%00", "from=-2026-01-01", "from=99999-01-01&format=pdf"},
	"GET /account/history":                            {"kind=", "kind=%ff%fe", "kind=payments&kind=disputes", "kind=" + strings.Repeat("x", 500)},
	"GET /account/pay":                                {"amount=1e400", "amount=-5", "amount=99999999999999999999", "invoice=R-1001&invoice=R-1001&invoice=nope", "amount=0,001"},
	"GET /account/verify":                             {"next=//evil.example", "next=/account%0d%0aX:1", "sent=sms", "next=javascript:alert(1)"},
	"GET /account/more-time":                          {"invoice=R-1001&invoice=R-1002", "invoice=%00"},
	"GET /account/credit-request":                     {"invoice=R-9999"},
	"GET /signed-out":                                 {"c=" + slugA, "c=%2e%2e", "c=" + strings.Repeat("a", 300)},
	"GET /e/{slug}":                                   {"customer=K-100&expires=99999999999999999999&nonce=&signature=%zz", "customer=&expires=-1", "expires=1.5&signature=" + strings.Repeat("f", 128)},
	"GET /staff/debtors":                              {"q=%27%22%3C%3E", "q=" + strings.Repeat("a", 300), "q=%", "q=_%25", "q=R-1001", "q=+49", "q=0", "q=%00"},
	"GET /staff/calls/pop":                            {"number=%2B49+170+1234567", "number=", "number=%00%ff"},
	"GET /staff/audit":                                {"before=-9223372036854775808", "before=9223372036854775808", "staff=-1&action=%25", "before=abc"},
	"GET /staff/outbox":                               {"status=nope&channel=pigeon&before=0", "done=posted", "before=-1"},
	"GET /staff/queues":                               {"kind=%00&who=nobody&late=2", "who=me&kind=callback"},
	"GET /staff/dashboard":                            {"period=-1", "period=999999d", "period=%ff"},
	"GET /staff/settings/plans":                       {"sample_amount=1e400&sample_instalments=100000", "sample_amount=-1&sample_instalments=-1", "sample_instalments=0"},
	"GET /staff/settings/dunning":                     {"debtor=%00", "debtor=" + strings.Repeat("9", 300), "debtor=K-100&notice=nope"},
	"GET /staff/outbox/letters/pdf":                   {"upto=99999-01-01", "upto=0000-00-00", "upto=%00"},
	"GET /staff/login":                                {"next=//evil.example", "notice=%00", "next=/staff/../../etc"},
	"GET /staff/debtors/{debtor}":                     {"kind=nope", "call=in&number=%00", "done=sent&to=%3Cscript%3E"},
	"GET /api/v1/events":                              {"after=%00", "limit=-1", "limit=99999999999999999999", "after=evt_&limit=0", "limit=1e3"},
	"GET /api/v1/debtors/{customer_number}/statement": {"from=2026-12-31&to=2026-01-01", "from=0001-01-01&to=9999-12-31", "from=nope"},
}

func FuzzQueryParams(f *testing.F) {
	h := newHarness(f)
	vals := h.routeValues()
	vals["id"] = alicePayment
	debtor := h.steppedUp(h.alice).c
	admin := h.staffClient(staff.RoleAdmin, h.a).c
	anon := h.client().c
	key := h.apiKey(h.a)

	type get struct {
		pattern, path string
		c             *http.Client
		bearer        bool
	}
	var gets []get
	index := map[string]int{}
	for _, rt := range h.srv.Routes() {
		method, path := splitPattern(rt.Pattern)
		if method != http.MethodGet {
			continue
		}
		u, err := fillPath(path, vals)
		if err != nil {
			f.Fatalf("%s: %v", rt.Pattern, err)
		}
		g := get{pattern: rt.Pattern, path: u, c: fuzzClient(rt.Access, debtor, admin, anon), bearer: rt.Access == APIKey}
		index[rt.Pattern] = len(gets)
		gets = append(gets, g)
	}
	for i := range gets {
		f.Add(uint16(i), queryParams)
		f.Add(uint16(i), "")
	}
	for pattern, qs := range querySeeds {
		i, ok := index[pattern]
		if !ok {
			f.Fatalf("querySeeds: no GET route %q", pattern)
		}
		for _, q := range qs {
			f.Add(uint16(i), q)
		}
	}

	f.Fuzz(func(t *testing.T, route uint16, query string) {
		g := gets[int(route)%len(gets)]
		for _, c := range []*http.Client{g.c, anon} {
			// The harness's helpers would use its *testing.F inside the
			// target: requests go through the clients' transports directly.
			req, err := http.NewRequest(http.MethodGet, testBase+g.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.URL.RawQuery = query
			if g.bearer && c != anon {
				req.Header.Set("Authorization", "Bearer "+key)
			}
			res, err := c.Do(req)
			if err != nil {
				t.Fatalf("GET %s?%s: %v", g.path, query, err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode >= 500 {
				t.Fatalf("%s: GET %s?%s = %d: %.500s", g.pattern, g.path, query, res.StatusCode, body)
			}
		}
	})
}
