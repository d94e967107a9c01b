package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/settle/settle/internal/jobs"
	"github.com/settle/settle/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// fixture is a creditor with one debtor.
type fixture struct {
	db         *sqlx.DB
	creditorID int64
	debtorID   int64
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db := testdb.New(t)
	f := &fixture{db: db}
	err := db.Get(&f.creditorID, `INSERT INTO creditors (slug, name, support_email, primary_color)
		VALUES ('mueller', 'Müller & Söhne', 'hilfe@mueller.example', '#0b7a4b') RETURNING id`)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Get(&f.debtorID, `INSERT INTO debtors (creditor_id, customer_number, name, email, phone, country)
		VALUES ($1, '10001', 'Jörg Weiß', 'joerg.weiss@example.com', '0170 1234567', 'DE') RETURNING id`, f.creditorID)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

type msgSpec struct {
	channel, recipient, subject, body, html, purpose string
}

// insert puts a message in the outbox (the trigger enqueues its job) and
// returns its id.
func (f *fixture) insert(t *testing.T, m msgSpec) int64 {
	t.Helper()
	if m.purpose == "" {
		m.purpose = "link"
	}
	var id int64
	err := f.db.Get(&id, `INSERT INTO messages (creditor_id, debtor_id, channel, recipient, subject,
		body, html_body, purpose) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		f.creditorID, f.debtorID, m.channel, m.recipient, m.subject, m.body, m.html, m.purpose)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// job is the message's send job as the runner would hand it over on its
// next attempt.
func (f *fixture) job(t *testing.T, messageID int64) *jobs.Job {
	t.Helper()
	j := new(jobs.Job)
	err := f.db.Get(j, `SELECT id, kind, payload, attempts + 1 AS attempts, max_attempts, created_at
		FROM jobs WHERE unique_key = 'message.send:' || $1`, messageID)
	if err != nil {
		t.Fatalf("no send job for message %d: %v", messageID, err)
	}
	return j
}

type row struct {
	Status     string     `db:"status"`
	Attempts   int        `db:"attempts"`
	LastError  string     `db:"last_error"`
	ProviderID string     `db:"provider_id"`
	SentAt     *time.Time `db:"sent_at"`
}

func (f *fixture) row(t *testing.T, id int64) row {
	t.Helper()
	var r row
	if err := f.db.Get(&r, `SELECT status, attempts, last_error, provider_id, sent_at FROM messages WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	return r
}

// syncBuffer collects logs.
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

func (f *fixture) sender(cfg Config) (*Sender, *syncBuffer) {
	logs := &syncBuffer{}
	return &Sender{DB: f.db, Config: cfg, Log: slog.New(slog.NewJSONHandler(logs, nil))}, logs
}

// noSecrets fails when logs show a body, a code or a full recipient.
func noSecrets(t *testing.T, logs string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(logs, s) {
			t.Errorf("logs contain %q:\n%s", s, logs)
		}
	}
}

func isPermanent(err error) bool {
	var p *jobs.PermanentError
	return errors.As(err, &p)
}

const (
	linkURL  = "https://portal.example.com/l/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcde"
	textBody = "Guten Tag Jörg Weiß,\n\nhier ist Ihr persönlicher Link zu Ihrem Kundenkonto bei Müller & Söhne:\n\n" +
		linkURL + "\n\nFreundliche Grüße\nMüller & Söhne <script>alert(1)</script>"
)

func TestSendEmail(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	srv := newSMTPServer(t, "settle", "p@ss:wörd")
	cfg, err := ParseConfig("smtp://settle:p%40ss%3Aw%C3%B6rd@"+srv.addr()+"?tls=none&from=Settle%20Mahnwesen%20%3Cnoreply%40settle.example%3E", "")
	if err != nil {
		t.Fatal(err)
	}
	html, err := HTMLFor(ctx, "Müller & Söhne", "#0b7a4b", "de", textBody)
	if err != nil {
		t.Fatal(err)
	}
	const subject = "Ihr Kundenkonto bei Müller & Söhne – Übersicht für Jörg"
	id := f.insert(t, msgSpec{channel: "email", recipient: "joerg.weiss@example.com", subject: subject, body: textBody, html: html})
	s, logs := f.sender(cfg)
	if err := s.Send(ctx, f.job(t, id)); err != nil {
		t.Fatalf("Send: %v\nlogs:\n%s", err, logs)
	}

	mails := srv.received()
	if len(mails) != 1 {
		t.Fatalf("%d mails received, want 1", len(mails))
	}
	got := mails[0]
	if got.authUser != "settle" {
		t.Errorf("authenticated as %q", got.authUser)
	}
	if got.from != "noreply@settle.example" || len(got.rcpts) != 1 || got.rcpts[0] != "joerg.weiss@example.com" {
		t.Errorf("envelope from %q to %q", got.from, got.rcpts)
	}
	p := parseMail(t, got.data)
	if p.from.Address != "noreply@settle.example" || p.from.Name != "Settle Mahnwesen" {
		t.Errorf("From = %v", p.from)
	}
	if len(p.to) != 1 || p.to[0].Address != "joerg.weiss@example.com" {
		t.Errorf("To = %v", p.to)
	}
	if p.subj != subject {
		t.Errorf("Subject = %q, want %q", p.subj, subject)
	}
	if raw := p.header.Get("Subject"); !strings.Contains(raw, "=?UTF-8?") {
		t.Errorf("raw Subject %q is not MIME-encoded", raw)
	}
	if p.ctype != "multipart/alternative" {
		t.Errorf("Content-Type %s, want multipart/alternative", p.ctype)
	}
	if strings.TrimRight(strings.ReplaceAll(p.text, "\r\n", "\n"), "\n") != textBody {
		t.Errorf("text part:\n%q\nwant\n%q", p.text, textBody)
	}
	if !strings.Contains(p.html, `<a href="`+linkURL+`"`) {
		t.Errorf("HTML part lacks the link:\n%s", p.html)
	}
	if strings.Contains(p.html, "<script") || !strings.Contains(p.html, "&lt;script&gt;") {
		t.Errorf("HTML part does not escape the body:\n%s", p.html)
	}
	if !strings.Contains(p.html, "Müller &amp; Söhne") {
		t.Errorf("HTML part lacks the creditor's name")
	}
	if rt, _ := p.header.AddressList("Reply-To"); len(rt) != 1 || rt[0].Address != "hilfe@mueller.example" {
		t.Errorf("Reply-To = %v", rt)
	}
	if p.header.Get("Auto-Submitted") != "auto-generated" {
		t.Errorf("Auto-Submitted = %q", p.header.Get("Auto-Submitted"))
	}

	r := f.row(t, id)
	if r.Status != StatusSent || r.SentAt == nil || r.Attempts != 1 || r.LastError != "" {
		t.Errorf("row = %+v", r)
	}
	if r.ProviderID == "" || r.ProviderID != p.header.Get("Message-Id") {
		t.Errorf("provider_id %q, Message-ID %q", r.ProviderID, p.header.Get("Message-Id"))
	}
	noSecrets(t, logs.String(), "joerg.weiss@example.com", linkURL, "Kundenkonto", "p@ss")
	if !strings.Contains(logs.String(), `"message sent"`) || !strings.Contains(logs.String(), "j•••@example.com") {
		t.Errorf("logs lack the masked send record:\n%s", logs)
	}

	// A second run of the job (at-least-once delivery) sends nothing more.
	if err := s.Send(ctx, f.job(t, id)); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.received()); n != 1 {
		t.Errorf("%d mails after a repeated job, want 1", n)
	}
}

func TestSendEmailTextOnly(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	srv := newSMTPServer(t, "", "")
	cfg, err := ParseConfig("smtp://"+srv.addr()+"?tls=none&from=noreply%40settle.example", "")
	if err != nil {
		t.Fatal(err)
	}
	id := f.insert(t, msgSpec{channel: "email", recipient: "joerg.weiss@example.com",
		subject: "Ihr Code für Müller & Söhne", body: "Ihr Code lautet 493817.", purpose: "otp"})
	s, logs := f.sender(cfg)
	if err := s.Send(ctx, f.job(t, id)); err != nil {
		t.Fatal(err)
	}
	mails := srv.received()
	if len(mails) != 1 {
		t.Fatalf("%d mails", len(mails))
	}
	p := parseMail(t, mails[0].data)
	if p.ctype != "text/plain" || p.html != "" || strings.TrimSpace(p.text) != "Ihr Code lautet 493817." {
		t.Errorf("got %s text %q html %q", p.ctype, p.text, p.html)
	}
	if p.from.Name != "Müller & Söhne" || p.from.Address != "noreply@settle.example" {
		t.Errorf("From = %v, want the creditor's name with the configured address", p.from)
	}
	if p.subj != "Ihr Code für Müller & Söhne" {
		t.Errorf("Subject = %q", p.subj)
	}
	if r := f.row(t, id); r.Status != StatusSent {
		t.Errorf("row = %+v", r)
	}
	noSecrets(t, logs.String(), "493817", "joerg.weiss@example.com")
}

func TestSendEmailFailures(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	srv := newSMTPServer(t, "", "")
	cfg, _ := ParseConfig("smtp://"+srv.addr()+"?tls=none&from=noreply%40settle.example", "")
	s, logs := f.sender(cfg)

	// A temporary refusal: retried, counted, recipient masked.
	srv.refuseRecipients("451 4.3.0 <joerg.weiss@example.com>: try again later")
	id := f.insert(t, msgSpec{channel: "email", recipient: "joerg.weiss@example.com", subject: "S", body: "B"})
	job := f.job(t, id)
	err := s.Send(ctx, job)
	if err == nil || isPermanent(err) {
		t.Fatalf("451: err = %v, want a retryable error", err)
	}
	if strings.Contains(err.Error(), "joerg.weiss@example.com") {
		t.Errorf("error names the recipient: %v", err)
	}
	r := f.row(t, id)
	if r.Status != StatusQueued || r.Attempts != 1 || !strings.Contains(r.LastError, "451") ||
		strings.Contains(r.LastError, "joerg.weiss@example.com") || !strings.Contains(r.LastError, "j•••@example.com") {
		t.Errorf("after 451: %+v", r)
	}
	// The job's last attempt fails for good.
	job.Attempt, job.MaxAttempts = 8, 8
	if err := s.Send(ctx, job); err == nil {
		t.Fatal("no error on the last attempt")
	}
	if r := f.row(t, id); r.Status != StatusFailed || r.Attempts != 2 {
		t.Errorf("after the last attempt: %+v", r)
	}

	// A permanent refusal.
	srv.refuseRecipients("550 5.1.1 no such user")
	id = f.insert(t, msgSpec{channel: "email", recipient: "joerg.weiss@example.com", subject: "S", body: "B"})
	if err := s.Send(ctx, f.job(t, id)); !isPermanent(err) {
		t.Fatalf("550: err = %v, want permanent", err)
	}
	if r := f.row(t, id); r.Status != StatusFailed || r.Attempts != 1 || !strings.Contains(r.LastError, "550") {
		t.Errorf("after 550: %+v", r)
	}

	// No server: a connection error is retried.
	addr := srv.addr()
	srv.ln.Close()
	cfg, _ = ParseConfig("smtp://"+addr+"?tls=none&from=noreply%40settle.example", "")
	s.Config = cfg
	id = f.insert(t, msgSpec{channel: "email", recipient: "joerg.weiss@example.com", subject: "S", body: "B"})
	if err := s.Send(ctx, f.job(t, id)); err == nil || isPermanent(err) {
		t.Fatalf("no server: err = %v, want a retryable error", err)
	}
	if r := f.row(t, id); r.Status != StatusQueued || r.Attempts != 1 {
		t.Errorf("after a connection error: %+v", r)
	}
	noSecrets(t, logs.String(), "joerg.weiss@example.com")
}

// smsProvider is a fake Twilio Messages API.
type smsProvider struct {
	mu       sync.Mutex
	status   int
	answer   string
	header   http.Header
	requests []smsRequest
}

type smsRequest struct {
	method, path, user, pass, contentType string
	to, from, body                        string
}

func (p *smsProvider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	user, pass, _ := r.BasicAuth()
	_ = r.ParseForm()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.requests = append(p.requests, smsRequest{method: r.Method, path: r.URL.Path, user: user, pass: pass,
		contentType: r.Header.Get("Content-Type"),
		to:          r.PostForm.Get("To"), from: r.PostForm.Get("From"), body: r.PostForm.Get("Body")})
	for k, v := range p.header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(p.status)
	io.WriteString(w, p.answer)
}

func (p *smsProvider) set(status int, answer string, header http.Header) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.status, p.answer, p.header = status, answer, header
}

func (p *smsProvider) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.requests)
}

func (p *smsProvider) last(t *testing.T) smsRequest {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.requests) == 0 {
		t.Fatal("the SMS provider got no request")
	}
	return p.requests[len(p.requests)-1]
}

const (
	accountSID = "AC0123456789abcdef0123456789abcdef"
	authToken  = "s3cr3t-t0ken"
)

func TestSendSMS(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	prov := &smsProvider{status: http.StatusCreated}
	srv := httptest.NewServer(prov)
	defer srv.Close()
	path := "/2010-04-01/Accounts/" + accountSID + "/Messages.json"
	cfg, err := ParseConfig("", strings.Replace(srv.URL, "http://", "http://"+accountSID+":"+authToken+"@", 1)+path+"?from=%2B4915112345678")
	if err != nil {
		t.Fatal(err)
	}
	s, logs := f.sender(cfg)
	s.HTTP = srv.Client()

	prov.set(http.StatusCreated, `{"sid":"SM0123456789abcdef","status":"queued"}`, nil)
	body := "Ihr Code lautet 493817. Er ist 10 Minuten gültig – Müller & Söhne"
	id := f.insert(t, msgSpec{channel: "sms", recipient: "0170 1234567", body: body, purpose: "otp"})
	if err := s.Send(ctx, f.job(t, id)); err != nil {
		t.Fatalf("Send: %v", err)
	}
	req := prov.last(t)
	if req.method != http.MethodPost || req.path != path || req.user != accountSID || req.pass != authToken ||
		req.contentType != "application/x-www-form-urlencoded" {
		t.Errorf("request = %+v", req)
	}
	if req.to != "+491701234567" || req.from != "+4915112345678" {
		t.Errorf("To %q From %q", req.to, req.from)
	}
	if want := strings.Replace(body, "–", "-", 1); req.body != want {
		t.Errorf("Body = %q, want %q (fitted to GSM-7)", req.body, want)
	}
	if r := f.row(t, id); r.Status != StatusSent || r.ProviderID != "SM0123456789abcdef" || r.Attempts != 1 || r.SentAt == nil {
		t.Errorf("row = %+v", r)
	}

	// A server error: retried.
	prov.set(http.StatusInternalServerError, `{"code":20500,"message":"Internal Server Error"}`, nil)
	id = f.insert(t, msgSpec{channel: "sms", recipient: "+49 170 1234567", body: "x"})
	err = s.Send(ctx, f.job(t, id))
	if err == nil || isPermanent(err) {
		t.Fatalf("500: err = %v, want retryable", err)
	}
	if r := f.row(t, id); r.Status != StatusQueued || r.Attempts != 1 || !strings.Contains(r.LastError, "HTTP 500") {
		t.Errorf("after 500: %+v", r)
	}

	// Too many requests with Retry-After: retried at that time.
	prov.set(http.StatusTooManyRequests, `{"code":20429,"message":"Too Many Requests"}`, http.Header{"Retry-After": {"120"}})
	id = f.insert(t, msgSpec{channel: "sms", recipient: "+49 170 1234567", body: "x"})
	err = s.Send(ctx, f.job(t, id))
	var at *jobs.RetryAtError
	if !errors.As(err, &at) || time.Until(at.At) < 100*time.Second {
		t.Fatalf("429: err = %v, want RetryAt in about 2 minutes", err)
	}

	// An invalid number: permanent, failed, the number masked.
	prov.set(http.StatusBadRequest, `{"code":21211,"message":"The 'To' number +491701234567 is not a valid phone number.","status":400}`, nil)
	id = f.insert(t, msgSpec{channel: "sms", recipient: "+49 170 1234567", body: "x"})
	err = s.Send(ctx, f.job(t, id))
	if !isPermanent(err) {
		t.Fatalf("400: err = %v, want permanent", err)
	}
	r := f.row(t, id)
	if r.Status != StatusFailed || r.Attempts != 1 || !strings.Contains(r.LastError, "21211") {
		t.Errorf("after 400: %+v", r)
	}
	if strings.Contains(r.LastError, "1701234567") || strings.Contains(err.Error(), "1701234567") {
		t.Errorf("the number is not masked: %q / %v", r.LastError, err)
	}

	// A recipient that is no phone number never reaches the provider.
	n := prov.count()
	id = f.insert(t, msgSpec{channel: "sms", recipient: "call me maybe", body: "x"})
	if err := s.Send(ctx, f.job(t, id)); !isPermanent(err) {
		t.Fatalf("bad number: err = %v", err)
	}
	if prov.count() != n {
		t.Error("a bad number was posted")
	}
	noSecrets(t, logs.String(), "493817", "1701234567", authToken)
}

func TestSendUnconfigured(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	s, logs := f.sender(Config{})
	for _, ch := range []string{"email", "sms", "letter"} {
		id := f.insert(t, msgSpec{channel: ch, recipient: "joerg.weiss@example.com", subject: "S", body: "Code 493817"})
		if err := s.Send(ctx, f.job(t, id)); err != nil {
			t.Fatalf("%s: %v", ch, err)
		}
		r := f.row(t, id)
		if r.Status != StatusUnsent || r.Attempts != 0 || r.SentAt != nil || r.LastError == "" {
			t.Errorf("%s: row = %+v", ch, r)
		}
	}
	noSecrets(t, logs.String(), "493817", "joerg.weiss@example.com")
}

func TestSendSettledAndExpired(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	srv := newSMTPServer(t, "", "")
	cfg, _ := ParseConfig("smtp://"+srv.addr()+"?tls=none&from=noreply%40settle.example", "")
	s, _ := f.sender(cfg)

	// An OTP message older than the code's lifetime is not sent.
	id := f.insert(t, msgSpec{channel: "email", recipient: "joerg.weiss@example.com", subject: "S", body: "Code 493817", purpose: "otp"})
	if _, err := f.db.Exec(`UPDATE messages SET created_at = now() - interval '1 hour' WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if err := s.Send(ctx, f.job(t, id)); err != nil {
		t.Fatal(err)
	}
	if r := f.row(t, id); r.Status != StatusFailed || !strings.Contains(r.LastError, "expired") {
		t.Errorf("expired code: %+v", r)
	}
	// Failed and sent messages are left alone.
	if err := s.Send(ctx, f.job(t, id)); err != nil {
		t.Fatal(err)
	}
	if len(srv.received()) != 0 {
		t.Error("an expired code was sent")
	}
	// A job for a message that does not exist is dead at once.
	bad := &jobs.Job{ID: 1, Kind: JobKind, Payload: json.RawMessage(`{"message_id": 999999}`), Attempt: 1, MaxAttempts: 8}
	if err := s.Send(ctx, bad); !isPermanent(err) {
		t.Errorf("missing message: %v", err)
	}
	bad.Payload = json.RawMessage(`{}`)
	if err := s.Send(ctx, bad); !isPermanent(err) {
		t.Errorf("empty payload: %v", err)
	}
}

func TestTriggerEnqueuesInTransaction(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	insert := func(tx *sqlx.Tx) int64 {
		var id int64
		if err := tx.GetContext(ctx, &id, `INSERT INTO messages (creditor_id, debtor_id, channel, recipient, body)
			VALUES ($1, $2, 'email', 'joerg.weiss@example.com', 'hello') RETURNING id`, f.creditorID, f.debtorID); err != nil {
			t.Fatal(err)
		}
		return id
	}
	type jobRow struct {
		Kind        string `db:"kind"`
		Payload     []byte `db:"payload"`
		MaxAttempts int    `db:"max_attempts"`
		State       string `db:"state"`
		UniqueKey   string `db:"unique_key"`
	}
	jobsFor := func(q sqlx.QueryerContext, id int64) []jobRow {
		var list []jobRow
		if err := sqlx.SelectContext(ctx, q, &list, `SELECT kind, payload, max_attempts, state, unique_key FROM jobs
			WHERE payload->>'message_id' = $1::text`, id); err != nil {
			t.Fatal(err)
		}
		return list
	}

	// Rolled back: no message, no job.
	tx := f.db.MustBeginTx(ctx, nil)
	id := insert(tx)
	if got := jobsFor(tx, id); len(got) != 1 {
		t.Fatalf("inside the transaction: %d jobs, want 1", len(got))
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if got := jobsFor(f.db, id); len(got) != 0 {
		t.Fatalf("after rollback: %d jobs, want 0", len(got))
	}
	var n int
	if err := f.db.Get(&n, `SELECT count(*) FROM jobs`); err != nil || n != 0 {
		t.Fatalf("jobs after rollback: %d (%v)", n, err)
	}

	// Committed: exactly one job.
	tx = f.db.MustBeginTx(ctx, nil)
	id = insert(tx)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	got := jobsFor(f.db, id)
	if len(got) != 1 {
		t.Fatalf("after commit: %d jobs, want 1", len(got))
	}
	var p map[string]int64
	if err := json.Unmarshal(got[0].Payload, &p); err != nil || p["message_id"] != id || len(p) != 1 {
		t.Errorf("payload %s", got[0].Payload)
	}
	if got[0].Kind != "message.send" || got[0].MaxAttempts != 8 || got[0].State != "pending" ||
		got[0].UniqueKey != fmt.Sprintf("message.send:%d", id) {
		t.Errorf("job = %+v", got[0])
	}

	// A message inserted as already sent (an import) gets no job.
	var sentID int64
	if err := f.db.Get(&sentID, `INSERT INTO messages (creditor_id, channel, recipient, body, status)
		VALUES ($1, 'email', 'x@example.com', 'old', 'sent') RETURNING id`, f.creditorID); err != nil {
		t.Fatal(err)
	}
	if got := jobsFor(f.db, sentID); len(got) != 0 {
		t.Errorf("a sent message got %d jobs", len(got))
	}
	// 'unsent' is a valid status now; nonsense is not.
	if _, err := f.db.Exec(`UPDATE messages SET status = 'unsent' WHERE id = $1`, id); err != nil {
		t.Errorf("status unsent: %v", err)
	}
	if _, err := f.db.Exec(`UPDATE messages SET status = 'lost' WHERE id = $1`, id); err == nil {
		t.Error("status lost accepted")
	}
}

func TestOutbox(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	var other int64
	if err := f.db.Get(&other, `INSERT INTO creditors (slug, name) VALUES ('other', 'Other') RETURNING id`); err != nil {
		t.Fatal(err)
	}
	a := f.insert(t, msgSpec{channel: "email", recipient: "joerg.weiss@example.com", subject: "first", body: "b1", html: "<p>b1</p>"})
	b := f.insert(t, msgSpec{channel: "sms", recipient: "+49 170 1234567", body: "b2"})
	if _, err := f.db.Exec(`INSERT INTO messages (creditor_id, channel, recipient, body) VALUES ($1, 'email', 'o@example.com', 'b3')`, other); err != nil {
		t.Fatal(err)
	}

	rows, err := Outbox(ctx, f.db, f.creditorID, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].ID != b || rows[1].ID != a {
		t.Fatalf("outbox of the creditor: %+v", rows)
	}
	if rows[1].CreditorSlug != "mueller" || !rows[1].HasHTML || rows[1].Status != StatusQueued || rows[1].Subject != "first" {
		t.Errorf("row = %+v", rows[1])
	}
	if rows[0].MaskedRecipient() != "•••67" || rows[1].MaskedRecipient() != "j•••@example.com" {
		t.Errorf("masks %q %q", rows[0].MaskedRecipient(), rows[1].MaskedRecipient())
	}
	all, err := Outbox(ctx, f.db, 0, 0)
	if err != nil || len(all) != 3 {
		t.Fatalf("all: %d rows (%v)", len(all), err)
	}
	one, err := Outbox(ctx, f.db, 0, 1)
	if err != nil || len(one) != 1 || one[0].CreditorID != other {
		t.Fatalf("limit 1: %+v (%v)", one, err)
	}
	none, err := Outbox(ctx, f.db, 424242, 10)
	if err != nil || none == nil || len(none) != 0 {
		t.Fatalf("unknown creditor: %+v (%v)", none, err)
	}
}

func TestSendCheck(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	srv := newSMTPServer(t, "", "")
	cfg, _ := ParseConfig("smtp://"+srv.addr()+"?tls=none&from=noreply%40settle.example", "")
	s, _ := f.sender(cfg)
	asked := map[int64]string{}
	s.Check = func(_ context.Context, _, id int64, purpose string) (string, error) {
		asked[id] = purpose
		if purpose == "dunning" {
			return "no longer due: paid", nil
		}
		return "", nil
	}
	reminder := f.insert(t, msgSpec{channel: "email", recipient: "joerg.weiss@example.com", subject: "S", body: "Pay", purpose: "dunning"})
	link := f.insert(t, msgSpec{channel: "email", recipient: "joerg.weiss@example.com", subject: "S", body: "Link", purpose: "link"})
	for _, id := range []int64{reminder, link} {
		if err := s.Send(ctx, f.job(t, id)); err != nil {
			t.Fatal(err)
		}
	}
	if r := f.row(t, reminder); r.Status != StatusCancelled || r.LastError != "no longer due: paid" || r.SentAt != nil {
		t.Errorf("reminder: %+v", r)
	}
	if r := f.row(t, link); r.Status != StatusSent {
		t.Errorf("link: %+v", r)
	}
	if len(srv.received()) != 1 || asked[reminder] != "dunning" || asked[link] != "link" {
		t.Errorf("%d emails went out; asked %v", len(srv.received()), asked)
	}
	// A cancelled message stays cancelled when its job runs again.
	s.Check = nil
	if err := s.Send(ctx, f.job(t, reminder)); err != nil {
		t.Fatal(err)
	}
	if r := f.row(t, reminder); r.Status != StatusCancelled || len(srv.received()) != 1 {
		t.Errorf("re-run: %+v", r)
	}
}
