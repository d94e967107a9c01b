package handlers

// The test harness: a real Server with the real templates and catalog on a
// fresh, migrated PostgreSQL database per test, a controllable clock, a log
// buffer, fixtures for two creditors and three debtors, and browser-like
// clients (cookie jar, no redirect following) that talk to the handler in
// process.

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"golang.org/x/net/html"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/billing"
	"github.com/settle/settle/internal/disputes"
	"github.com/settle/settle/internal/dunning"
	"github.com/settle/settle/internal/hooks"
	"github.com/settle/settle/internal/i18n"
	"github.com/settle/settle/internal/plans"
	"github.com/settle/settle/internal/portal"
	"github.com/settle/settle/internal/sealbox"
	"github.com/settle/settle/internal/staff"
	"github.com/settle/settle/internal/store"
	"github.com/settle/settle/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// testBase is where the test server pretends to live.
const testBase = "http://settle.test"

// testStart is the fake clock's starting instant (10:00 in Berlin).
var testStart = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// testClock is a clock the test moves by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// syncBuffer is a log sink that handlers may write while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// lineSpec is an invoice line before its amounts are computed.
type lineSpec struct {
	desc      string
	qtyMilli  int64
	unitMinor int64
	rateBP    int
}

// harness is one test's world.
type harness struct {
	t      testing.TB
	ctx    context.Context
	db     *sqlx.DB
	st     *store.Store
	cat    *i18n.Catalog
	clock  *testClock
	logs   *syncBuffer
	log    *slog.Logger
	portal *portal.Service
	staff  *staff.Service
	keys   [][]byte
	srv    *Server
	h      http.Handler

	a, b              *ar.Creditor // a: knowledge (postcode) by default, b: otp
	alice, bob, carol *ar.Debtor
	invoices          map[int64]map[string]*ar.Invoice // debtor id → number → invoice
	disputeIDs        map[string]int64                 // fixture dispute public id → id

	mu     sync.Mutex
	nextIP int
}

// Names and numbers the fixtures use.
const (
	nameA        = "Stadtwerke Beispielstadt"
	nameB        = "Funknetz Nord GmbH"
	slugA        = "stadtwerke-beispiel"
	slugB        = "funknetz-nord"
	aliceName    = "Alice Amsel"
	bobName      = "Bob Buchfink"
	carolName    = "Carol Chiffchaff"
	alicePost    = "10115"
	aliceEmail   = "alice.amsel@example.org"
	sharedCustNo = "K-100" // alice (at A) and carol (at B) share it
)

// Payments (public ids) of alice, bob and carol, for the IDOR matrix.
const (
	alicePayment = "pay_fixturealice"
	bobPayment   = "pay_fixturebob"
	carolPayment = "pay_fixturecarol"
)

// Payment plans (public ids) of alice (paid in full, on her paid
// R-1003), bob and carol (withdrawn), for the IDOR matrix. None holds an
// invoice, so the fixtures change nothing else.
const (
	alicePlan = "plan_fixturealice"
	bobPlan   = "plan_fixturebob"
	carolPlan = "plan_fixturecarol"
)

// Disputes and their attachments (public ids) of alice (on her paid
// R-1003), bob and carol, for the IDOR matrices: withdrawn, so that they
// hold nothing and take no messages; each has one message with one PDF.
const (
	aliceDispute    = "dsp_fixturealice"
	bobDispute      = "dsp_fixturebob"
	carolDispute    = "dsp_fixturecarol"
	aliceAttachment = "att_fixturealice"
	bobAttachment   = "att_fixturebob"
	carolAttachment = "att_fixturecarol"
)

// fixturePDF is the fixture disputes' attachment.
var fixturePDF = []byte("%PDF-1.4\n% a fixture, not a real document\n%%EOF\n")

// Invoice numbers: unique only per creditor, so carol (creditor B) has one
// that equals bob's (creditor A).
var (
	aliceNumbers = []string{"R-1001", "R-1002", "R-1003"}
	bobNumbers   = []string{"R-2001"}
	carolNumbers = []string{"R-2001", "R-3001"}
)

// aliceLines are the lines of alice's R-1001, chosen so that the total
// runs into thousands (German "1.234,51 €" style).
var aliceLines = []lineSpec{
	{"Wartung Heizungsanlage", 1000, 103740, 1900},
	{"Anfahrt", 1500, 3990, 1900},
	{"Fachbuch Energiesparen", 2000, 1250, 700},
}

func randomKey(t testing.TB) []byte {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// newHarness builds the world with creditor A on the knowledge step-up.
func newHarness(t testing.TB) *harness { return newHarnessWith(t, ar.StepUpKnowledge) }

// newHarnessWith builds the world with creditor A on the given step-up.
func newHarnessWith(t testing.TB, aStepUp ar.StepUp) *harness {
	t.Helper()
	h := &harness{
		t:        t,
		ctx:      context.Background(),
		db:       testdb.New(t),
		cat:      i18n.MustLoad(),
		clock:    &testClock{now: testStart},
		logs:     &syncBuffer{},
		invoices: map[int64]map[string]*ar.Invoice{},
		nextIP:   10,
	}
	h.disputeIDs = map[string]int64{}
	h.st = store.New(h.db)
	h.log = slog.New(slog.NewJSONHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h.portal = &portal.Service{Store: h.st, Text: h.cat, Log: h.log, BaseURL: testBase, Now: h.clock.Now}
	h.keys = [][]byte{randomKey(t), randomKey(t)}
	box, err := sealbox.New(randomKey(t)[:sealbox.KeySize])
	if err != nil {
		t.Fatal(err)
	}
	h.staff = &staff.Service{Store: h.st, Box: box, Now: h.clock.Now}
	h.srv = h.newServer(h.st, h.keys, false)
	h.h = h.srv.Handler()

	svgLogo := []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>`)
	h.a = h.createCreditor(store.NewCreditor{Creditor: ar.Creditor{
		Slug: slugA, Name: nameA, SupportPhone: "+49 30 1234 5678", SupportEmail: "hilfe@stadtwerke.example",
		SupportHours: "Mo–Fr 8–18 Uhr", PrimaryColor: "#7a1f2b", AccentColor: "#0b7a4b",
		DefaultLanguage: "de", Timezone: "Europe/Berlin", Currency: "EUR",
		StepUp: aStepUp, StepUpKnowledge: ar.KnowPostcode,
	}, Logo: svgLogo, LogoType: "image/svg+xml"})
	h.b = h.createCreditor(store.NewCreditor{Creditor: ar.Creditor{
		Slug: slugB, Name: nameB, SupportEmail: "service@funknetz.example",
		PrimaryColor: "#123456", AccentColor: "#654321",
		DefaultLanguage: "en", Timezone: "Europe/Berlin", Currency: "EUR",
		StepUp: ar.StepUpOTP, StepUpKnowledge: ar.KnowPostcode,
	}})

	h.alice = h.createDebtor(&ar.Debtor{CreditorID: h.a.ID, CustomerNumber: sharedCustNo, Name: aliceName,
		Email: aliceEmail, Phone: "+49 170 1234567", Street: "Amselweg 1", Postcode: alicePost, City: "Berlin"})
	h.bob = h.createDebtor(&ar.Debtor{CreditorID: h.a.ID, CustomerNumber: "K-200", Name: bobName,
		Email: "bob@example.org", Street: "1 Finch Lane", Postcode: "SW1A 1AA", City: "London", Country: "GB",
		Language: "en"})
	h.carol = h.createDebtor(&ar.Debtor{CreditorID: h.b.ID, CustomerNumber: sharedCustNo, Name: carolName,
		Email: "carol@example.net", Postcode: "20095", City: "Hamburg"})

	h.addInvoice(h.a, h.alice, "R-1001", "Jahresabrechnung Wärme 2026", "2026-11-01", "2026-11-15", aliceLines, 0)
	h.addInvoice(h.a, h.alice, "R-1002", "Abschlag Dezember", "2026-11-10", "2026-12-01",
		[]lineSpec{{"Abschlag Strom", 1000, 8403, 1900}}, 5000)
	h.addInvoice(h.a, h.alice, "R-1003", "Abschlag Oktober", "2026-10-01", "2026-10-15",
		[]lineSpec{{"Abschlag Strom Oktober", 1000, 8403, 1900}}, -1)
	h.addInvoice(h.a, h.bob, "R-2001", "Bobs geheime Stromrechnung", "2026-11-01", "2026-12-10",
		[]lineSpec{{"Bobs Zählermiete", 1000, 77700, 1900}}, 0)
	h.addInvoice(h.b, h.carol, "R-2001", "Carols Mobilfunk Oktober", "2026-11-01", "2026-12-05",
		[]lineSpec{{"Carols Flatrate", 1000, 3999, 1900}}, 0)
	h.addInvoice(h.b, h.carol, "R-3001", "Carols Mobilfunk November", "2026-11-15", "2026-12-15",
		[]lineSpec{{"Carols Roaming", 1000, 66600, 1900}}, 0)
	for _, fp := range []struct {
		id string
		c  *ar.Creditor
		d  *ar.Debtor
	}{{alicePayment, h.a, h.alice}, {bobPayment, h.a, h.bob}, {carolPayment, h.b, h.carol}} {
		if err := h.st.CreatePayment(h.ctx, &store.Payment{PublicID: fp.id, CreditorID: fp.c.ID, DebtorID: fp.d.ID,
			Method: "bank_transfer", Status: "paid", AmountMinor: 1234, Currency: "EUR", ValueDate: civil("2026-11-20")}); err != nil {
			t.Fatal(err)
		}
	}
	for _, fp := range []struct {
		id     string
		c      *ar.Creditor
		d      *ar.Debtor
		number string
		status ar.PlanStatus
	}{{alicePlan, h.a, h.alice, "R-1003", ar.PlanCompleted}, {bobPlan, h.a, h.bob, "R-2001", ar.PlanCancelled},
		{carolPlan, h.b, h.carol, "R-3001", ar.PlanCancelled}} {
		inv := h.invoices[fp.d.ID][fp.number]
		p := &store.Plan{PublicID: fp.id, CreditorID: fp.c.ID, DebtorID: fp.d.ID, Kind: ar.PlanDeferral, Status: fp.status,
			PrincipalMinor: inv.TotalMinor, TotalMinor: inv.TotalMinor, Currency: "EUR"}
		if err := h.st.CreatePlan(h.ctx, p, map[int64]int64{inv.ID: inv.TotalMinor},
			[]ar.Instalment{{Seq: 1, DueDate: inv.DueDate.AddDate(0, 0, 14), AmountMinor: inv.TotalMinor}}); err != nil {
			t.Fatal(err)
		}
		if fp.status == ar.PlanCompleted {
			if err := h.st.PayInstalment(h.ctx, p.ID, 1, inv.TotalMinor); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, fd := range []struct {
		id, att string
		d       *ar.Debtor
		number  string
	}{{aliceDispute, aliceAttachment, h.alice, "R-1003"}, {bobDispute, bobAttachment, h.bob, "R-2001"},
		{carolDispute, carolAttachment, h.carol, "R-3001"}} {
		inv := h.invoices[fd.d.ID][fd.number]
		d := &store.Dispute{PublicID: fd.id, CreditorID: fd.d.CreditorID, DebtorID: fd.d.ID, InvoiceID: inv.ID,
			Reason: ar.ReasonWrongAmount, Currency: "EUR", Status: ar.DisputeWithdrawn, CreatedAt: testStart.AddDate(0, 0, -30)}
		if err := h.st.CreateDispute(h.ctx, d); err != nil {
			t.Fatal(err)
		}
		m := &store.DisputeMessage{CreditorID: d.CreditorID, DisputeID: d.ID, Author: "debtor", Body: "Der Betrag stimmt nicht.",
			CreatedAt: d.CreatedAt}
		if err := h.st.AddDisputeMessage(h.ctx, m); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(fixturePDF)
		if err := h.st.AddDisputeAttachment(h.ctx, &store.DisputeAttachment{PublicID: fd.att, CreditorID: d.CreditorID,
			DisputeID: d.ID, MessageID: &m.ID, MediaType: "application/pdf", Content: fixturePDF, SHA256: sum[:],
			FileName: "Beleg.pdf"}); err != nil {
			t.Fatal(err)
		}
		h.disputeIDs[fd.id] = d.ID
	}
	return h
}

// newServer builds another Server on st (for instance a second instance
// on the same database, or one with other session keys).
func (h *harness) newServer(st *store.Store, keys [][]byte, secure bool) *Server {
	pl := &plans.Service{Store: st, Portal: h.portal, Now: h.clock.Now}
	dsp := &disputes.Service{Store: st, Portal: h.portal, Now: h.clock.Now, Plans: pl}
	return NewServer(Config{
		Store: st, Portal: h.portal, Billing: &billing.Service{Store: st, Now: h.clock.Now, Plans: pl}, Plans: pl, Disputes: dsp,
		Catalog: h.cat, Log: h.log, SessionKeys: keys, Secure: secure, Now: h.clock.Now,
		Staff: &staff.Service{Store: st, Box: h.staff.Box, Now: h.clock.Now},
		// Receivers in tests listen on 127.0.0.1.
		Hooks: &hooks.Service{DB: st.DB(), Log: h.log, AllowPrivate: true, Now: h.clock.Now},
		// dunning admin (issue 9)
		Dunning: &dunning.Engine{Store: st, Portal: h.portal, Text: h.cat, Log: h.log, Now: h.clock.Now},
	})
}

func (h *harness) createCreditor(nc store.NewCreditor) *ar.Creditor {
	h.t.Helper()
	id, err := h.st.CreateCreditor(h.ctx, nc)
	if err != nil {
		h.t.Fatalf("CreateCreditor: %v", err)
	}
	c, err := h.st.Creditor(h.ctx, id)
	if err != nil {
		h.t.Fatalf("Creditor: %v", err)
	}
	return c
}

func (h *harness) createDebtor(d *ar.Debtor) *ar.Debtor {
	h.t.Helper()
	if _, err := h.st.UpsertDebtor(h.ctx, d); err != nil {
		h.t.Fatalf("UpsertDebtor: %v", err)
	}
	return d
}

func civil(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

// addInvoice creates an invoice with lines; paid > 0 books that payment,
// paid < 0 pays it in full.
func (h *harness) addInvoice(c *ar.Creditor, d *ar.Debtor, number, desc, issue, due string, lines []lineSpec, paid int64) *ar.Invoice {
	h.t.Helper()
	inv := &ar.Invoice{CreditorID: c.ID, DebtorID: d.ID, Number: number, Description: desc,
		IssueDate: civil(issue), DueDate: civil(due), Currency: c.Currency}
	for i, l := range lines {
		net, tax, total := ar.LineAmounts(l.qtyMilli, l.unitMinor, l.rateBP)
		inv.Lines = append(inv.Lines, ar.InvoiceLine{Position: i + 1, Description: l.desc,
			QuantityMilli: l.qtyMilli, UnitPriceMinor: l.unitMinor, TaxRateBP: l.rateBP,
			NetMinor: net, TaxMinor: tax, TotalMinor: total})
	}
	if err := h.st.CreateInvoice(h.ctx, inv); err != nil {
		h.t.Fatalf("CreateInvoice: %v", err)
	}
	if paid < 0 {
		paid = inv.TotalMinor
	}
	if paid > 0 {
		if err := h.st.BookPayment(h.ctx, c.ID, d.ID, inv.ID, paid, c.Currency, civil(issue).AddDate(0, 0, 3), "Überweisung"); err != nil {
			h.t.Fatalf("BookPayment: %v", err)
		}
		inv.OpenMinor -= paid
		inv.PaidMinor += paid
	}
	if h.invoices[d.ID] == nil {
		h.invoices[d.ID] = map[string]*ar.Invoice{}
	}
	h.invoices[d.ID][number] = inv
	return inv
}

// openMinor is what a debtor still owes in total.
func (h *harness) openMinor(d *ar.Debtor) int64 {
	var sum int64
	for _, inv := range h.invoices[d.ID] {
		if inv.OpenMinor > 0 {
			sum += inv.OpenMinor
		}
	}
	return sum
}

// creditorOf returns the creditor of a debtor.
func (h *harness) creditorOf(d *ar.Debtor) *ar.Creditor {
	h.t.Helper()
	switch d.CreditorID {
	case h.a.ID:
		return h.a
	case h.b.ID:
		return h.b
	}
	c, err := h.st.Creditor(h.ctx, d.CreditorID)
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

// link issues a fresh personal link for d.
func (h *harness) link(d *ar.Debtor) (string, *ar.AccessLink) {
	h.t.Helper()
	tok, l, err := h.portal.IssueLink(h.ctx, h.creditorOf(d), d.ID, "email")
	if err != nil {
		h.t.Fatalf("IssueLink: %v", err)
	}
	return tok, l
}

// queryInt runs a query that returns one integer.
func (h *harness) queryInt(q string, args ...any) int {
	h.t.Helper()
	var n int
	if err := h.db.Get(&n, q, args...); err != nil {
		h.t.Fatalf("%s: %v", q, err)
	}
	return n
}

// interactions counts a debtor's timeline entries of a kind.
func (h *harness) interactions(d *ar.Debtor, kind string) int {
	h.t.Helper()
	return h.queryInt(`SELECT count(*) FROM interactions WHERE creditor_id = $1 AND debtor_id = $2 AND kind = $3`,
		d.CreditorID, d.ID, kind)
}

// de and en are the catalog's locales.
func (h *harness) de() *i18n.Locale { return h.cat.Locale("de") }
func (h *harness) en() *i18n.Locale { return h.cat.Locale("en") }

// ---- clients ----

// handlerTransport serves requests with a handler in process, as if they
// came from ip.
type handlerTransport struct {
	h  func() http.Handler
	ip string
}

func (tr handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	if r.Body == nil {
		r.Body = http.NoBody
	}
	r.RemoteAddr = tr.ip + ":40123"
	r.RequestURI = req.URL.RequestURI()
	r.Host = req.URL.Host
	rec := httptest.NewRecorder()
	tr.h().ServeHTTP(rec, r)
	res := rec.Result()
	res.Request = req
	return res, nil
}

// tclient is a browser: cookies, its own IP, optional default headers.
type tclient struct {
	h       *harness
	c       *http.Client
	jar     *cookiejar.Jar
	ip      string
	headers map[string]string
	handler http.Handler // nil: the harness's server
}

func (h *harness) client() *tclient {
	h.mu.Lock()
	h.nextIP++
	ip := fmt.Sprintf("192.0.2.%d", h.nextIP)
	h.mu.Unlock()
	jar, err := cookiejar.New(nil)
	if err != nil {
		h.t.Fatal(err)
	}
	c := &tclient{h: h, jar: jar, ip: ip, headers: map[string]string{}}
	c.c = &http.Client{
		Jar:           jar,
		Transport:     handlerTransport{h: c.target, ip: ip},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       10 * time.Second,
	}
	return c
}

func (c *tclient) target() http.Handler {
	if c.handler != nil {
		return c.handler
	}
	return c.h.h
}

// tresp is a response with its body read.
type tresp struct {
	*http.Response
	body string
	doc  *htmlDoc
}

// do sends a request. hdr are name, value pairs; an empty value removes a
// header the client would otherwise send.
func (c *tclient) do(method, path string, form url.Values, hdr ...string) *tresp {
	c.h.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, testBase+path, body)
	if err != nil {
		c.h.t.Fatalf("%s %s: %v", method, path, err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if method == http.MethodPost {
		// What a browser sends with a form from our own page.
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.Header.Set("Origin", testBase)
	}
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	res, err := c.c.Do(req)
	if err != nil {
		c.h.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.h.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return &tresp{Response: res, body: string(b)}
}

func (c *tclient) get(path string, hdr ...string) *tresp {
	return c.do(http.MethodGet, path, nil, hdr...)
}

func (c *tclient) post(path string, form url.Values, hdr ...string) *tresp {
	if form == nil {
		form = url.Values{}
	}
	return c.do(http.MethodPost, path, form, hdr...)
}

// cookie returns the client's cookie called name, or nil.
func (c *tclient) cookie(name string) *http.Cookie {
	u, _ := url.Parse(testBase + "/")
	for _, ck := range c.jar.Cookies(u) {
		if ck.Name == name {
			return ck
		}
	}
	return nil
}

func (c *tclient) sessionCookie() *http.Cookie { return c.cookie(c.h.srv.cookieName) }

// setCookie puts a cookie into the client's jar.
func (c *tclient) setCookie(ck *http.Cookie) {
	u, _ := url.Parse(testBase + "/")
	c.jar.SetCookies(u, []*http.Cookie{{Name: ck.Name, Value: ck.Value, Path: "/"}})
}

// session decodes the client's session cookie with the harness server, or
// returns nil.
func (c *tclient) session() *debtorSession {
	ck := c.sessionCookie()
	if ck == nil {
		return nil
	}
	r := httptest.NewRequest(http.MethodGet, "/account", nil)
	r.AddCookie(ck)
	ds, _ := c.h.srv.loadSession(r)
	return ds
}

// enter opens a link like a debtor: the interstitial, then "Continue".
func (c *tclient) enter(token string) {
	c.h.t.Helper()
	if res := c.get("/l/" + token); res.StatusCode != http.StatusOK {
		c.h.t.Fatalf("GET /l/{token} = %d, want 200", res.StatusCode)
	}
	res := c.post("/l/"+token, nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account" {
		c.h.t.Fatalf("POST /l/{token} = %d to %q, want 303 to /account", res.StatusCode, res.Header.Get("Location"))
	}
}

// entered returns a client that entered through a fresh link of d.
func (h *harness) entered(d *ar.Debtor) *tclient {
	h.t.Helper()
	tok, _ := h.link(d)
	c := h.client()
	c.enter(tok)
	return c
}

// latestOTP is the code in the newest one-time code message to d.
func (h *harness) latestOTP(d *ar.Debtor) (code string, msg ar.Message) {
	h.t.Helper()
	list, err := h.st.Messages(h.ctx, d.CreditorID, d.ID, 50)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, m := range list {
		if m.Purpose == "otp" {
			found := otpRE.FindStringSubmatch(m.Body)
			if found == nil {
				h.t.Fatalf("OTP message has no 6-digit code: %q", m.Body)
			}
			return found[1], m
		}
	}
	h.t.Fatalf("no OTP message for %s", d.Name)
	return "", ar.Message{}
}

var otpRE = regexp.MustCompile(`(?:^|\D)(\d{6})(?:\D|$)`)

// sendOTP asks for a code by channel and returns it.
func (c *tclient) sendOTP(channel, next string) string {
	c.h.t.Helper()
	res := c.post("/account/verify/send", url.Values{"channel": {channel}, "next": {next}})
	if res.StatusCode != http.StatusSeeOther {
		c.h.t.Fatalf("POST /account/verify/send = %d, want 303; body: %s", res.StatusCode, res.body)
	}
	ds := c.session()
	code, _ := c.h.latestOTP(c.h.debtorByID(ds.DebtorID))
	return code
}

func (h *harness) debtorByID(id int64) *ar.Debtor {
	for _, d := range []*ar.Debtor{h.alice, h.bob, h.carol} {
		if d.ID == id {
			return d
		}
	}
	h.t.Fatalf("no fixture debtor %d", id)
	return nil
}

// steppedUp returns a client of d that entered and passed the step-up of
// d's creditor.
func (h *harness) steppedUp(d *ar.Debtor) *tclient {
	h.t.Helper()
	c := h.entered(d)
	cr := h.creditorOf(d)
	var res *tresp
	switch cr.StepUp {
	case ar.StepUpKnowledge:
		res = c.post("/account/verify", url.Values{"answer": {d.Postcode}, "next": {"/account"}})
	case ar.StepUpOTP:
		code := c.sendOTP("email", "/account")
		res = c.post("/account/verify", url.Values{"code": {code}, "channel": {"email"}, "next": {"/account"}})
	default:
		return c
	}
	if res.StatusCode != http.StatusSeeOther {
		h.t.Fatalf("step-up for %s = %d, want 303; body: %s", d.Name, res.StatusCode, res.body)
	}
	if ds := c.session(); ds == nil || !ds.SteppedUp {
		h.t.Fatalf("step-up for %s: session not stepped up", d.Name)
	}
	return c
}

// ---- HTML ----

// htmlDoc is a parsed page.
type htmlDoc struct {
	root *html.Node
}

func (r *tresp) html(t testing.TB) *htmlDoc {
	t.Helper()
	if r.doc == nil {
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Fatalf("%s %s: Content-Type %q, want text/html", r.Request.Method, r.Request.URL.Path, ct)
		}
		n, err := html.Parse(strings.NewReader(r.body))
		if err != nil {
			t.Fatalf("parse HTML: %v", err)
		}
		r.doc = &htmlDoc{root: n}
	}
	return r.doc
}

// all returns the elements that match.
func (d *htmlDoc) all(match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && match(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(d.root)
	return out
}

func (d *htmlDoc) tag(name string) []*html.Node {
	return d.all(func(n *html.Node) bool { return n.Data == name })
}

func (d *htmlDoc) testID(id string) []*html.Node {
	return d.all(func(n *html.Node) bool { v, _ := attr(n, "data-testid"); return v == id })
}

func (d *htmlDoc) byID(id string) *html.Node {
	list := d.all(func(n *html.Node) bool { v, _ := attr(n, "id"); return v == id })
	if len(list) == 0 {
		return nil
	}
	return list[0]
}

// text is the whole document's visible text, whitespace collapsed.
func (d *htmlDoc) text() string { return textOf(d.root) }

// testIDText is the text of the first element with the test id, or "".
func (d *htmlDoc) testIDText(id string) string {
	list := d.testID(id)
	if len(list) == 0 {
		return ""
	}
	return textOf(list[0])
}

// lang is the html element's lang attribute.
func (d *htmlDoc) lang() string {
	list := d.tag("html")
	if len(list) == 0 {
		return ""
	}
	v, _ := attr(list[0], "lang")
	return v
}

// h1 is the text of the first h1.
func (d *htmlDoc) h1() string {
	list := d.tag("h1")
	if len(list) == 0 {
		return ""
	}
	return textOf(list[0])
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
			b.WriteByte(' ')
		}
		if n.Type == html.ElementNode && (n.Data == "style" || n.Data == "script") {
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return norm(b.String())
}

// norm collapses white space (including the no-break spaces of money
// formats) so texts compare as a reader sees them.
func norm(s string) string { return strings.Join(strings.Fields(s), " ") }

// contains reports whether text contains want, white space collapsed.
func contains(text, want string) bool { return strings.Contains(norm(text), norm(want)) }

type htmlNode = html.Node

// altOf is the alt text of the images inside n.
func altOf(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "img" {
			v, _ := attr(n, "alt")
			b.WriteString(" " + v)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}
