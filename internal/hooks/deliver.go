package hooks

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/jobs"
	"github.com/settle/settle/internal/store"
)

// retrySchedule is the wait after failed attempt n (retrySchedule[n-1]),
// each with ±10 % jitter; the attempt after the last wait is the final
// one (10 attempts over about 3 days).
var retrySchedule = []time.Duration{
	5 * time.Second,
	5 * time.Minute,
	30 * time.Minute,
	2 * time.Hour,
	5 * time.Hour,
	10 * time.Hour,
	14 * time.Hour,
	20 * time.Hour,
	24 * time.Hour,
}

// MaxAttempts is how many requests a delivery gets per round: one more
// than the waits of the retry schedule.
const MaxAttempts = 10

// maxRetryAfter caps how far a receiver's Retry-After can push the next
// attempt.
const maxRetryAfter = 24 * time.Hour

// UserAgent identifies Settle's webhook requests.
const UserAgent = "Settle-Webhooks/1"

// Payload is the JSON body of every webhook request.
type Payload struct {
	ID             string          `json:"id"` // the event's public id, also the webhook-id header
	Type           string          `json:"type"`
	CreatedAt      time.Time       `json:"created_at"`
	DebtorSequence *int64          `json:"debtor_sequence,omitempty"` // per debtor, gapless, in commit order
	Data           json.RawMessage `json:"data"`
}

// Body returns the request body for ev. It is the same bytes on every
// attempt.
func Body(ev *store.Event) ([]byte, error) {
	data := ev.Data
	if len(data) == 0 {
		data = json.RawMessage("{}")
	}
	return json.Marshal(Payload{ID: ev.PublicID, Type: ev.Type, CreatedAt: ev.CreatedAt.UTC(),
		DebtorSequence: ev.DebtorSeq, Data: data})
}

// Sign returns the webhook-signature header value for a request: one
// "v1,<base64 HMAC-SHA256 of id.ts.body>" per secret, space-separated.
func Sign(id string, ts time.Time, body []byte, secrets ...string) (string, error) {
	sigs := make([]string, 0, len(secrets))
	for _, secret := range secrets {
		wh, err := standardwebhooks.NewWebhook(secret)
		if err != nil {
			return "", fmt.Errorf("hooks: bad secret: %w", err)
		}
		sig, err := wh.Sign(id, ts, body)
		if err != nil {
			return "", err
		}
		sigs = append(sigs, sig)
	}
	return strings.Join(sigs, " "), nil
}

type dispatchPayload struct {
	EventID int64 `json:"event_id"`
}

// Dispatch handles "event.dispatch" jobs (payload {"event_id"}): in one
// transaction it creates a delivery for each active endpoint of the
// event's creditor subscribed to its type that has none yet, and enqueues
// a "webhook.deliver" job for each pending delivery of the event that
// lacks one. New events do not go through it: the trigger
// events_enqueue_deliveries does the same in the event's own transaction.
// It is for backfills (an endpoint added later, events from before the
// trigger). Running it twice creates nothing new.
func (s *Service) Dispatch(ctx context.Context, job *jobs.Job) (err error) {
	var p dispatchPayload
	if err := json.Unmarshal(job.Payload, &p); err != nil || p.EventID <= 0 {
		return jobs.Permanent(fmt.Errorf("hooks.Dispatch: bad payload %s", job.Payload))
	}
	defer wrap(&err, "Dispatch(event %d)", p.EventID)
	ev, err := store.New(s.DB).EventByID(ctx, p.EventID)
	if ar.IsNotFound(err) {
		return jobs.Permanent(fmt.Errorf("hooks.Dispatch: no event %d", p.EventID))
	}
	if err != nil {
		return err
	}
	tx, err := s.DB.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_deliveries (creditor_id, endpoint_id, event_id, created_at, next_attempt_at)
		SELECT creditor_id, id, $2, $4, $4 FROM webhook_endpoints
		WHERE creditor_id = $1 AND disabled_at IS NULL AND (event_types = '{}' OR $3 = ANY (event_types))
		ORDER BY id
		ON CONFLICT (endpoint_id, event_id) DO NOTHING`, ev.CreditorID, ev.ID, ev.Type, s.now()); err != nil {
		return err
	}
	var pending []struct {
		ID    int64 `db:"id"`
		Round int   `db:"round"`
	}
	if err := tx.SelectContext(ctx, &pending, `SELECT id, round FROM webhook_deliveries
		WHERE creditor_id = $1 AND event_id = $2 AND state = 'pending' ORDER BY id`, ev.CreditorID, ev.ID); err != nil {
		return err
	}
	for _, d := range pending {
		if err := enqueueDeliver(ctx, tx, d.ID, d.Round); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	if len(pending) > 0 {
		s.log().Debug("webhook event dispatched", "event", ev.PublicID, "type", ev.Type, "deliveries", len(pending))
	}
	return nil
}

// target is a delivery with what sending it needs.
type target struct {
	ID                  int64      `db:"id"`
	CreditorID          int64      `db:"creditor_id"`
	EndpointID          int64      `db:"endpoint_id"`
	State               string     `db:"state"`
	Round               int        `db:"round"`
	URL                 string     `db:"url"`
	Secret              string     `db:"secret"`
	PreviousSecret      *string    `db:"previous_secret"`
	PreviousSecretUntil *time.Time `db:"previous_secret_until"`
	DisabledAt          *time.Time `db:"disabled_at"`
	DisabledReason      string     `db:"disabled_reason"`
	EventID             int64      `db:"event_id"`
	EventPublicID       string     `db:"event_public_id"`
	EventType           string     `db:"event_type"`
	EventData           []byte     `db:"event_data"`
	EventCreatedAt      time.Time  `db:"event_created_at"`
	EventDebtorSeq      *int64     `db:"event_debtor_seq"`
}

// outcome is what one request came to.
type outcome struct {
	status     int // 0: no response
	errText    string
	retryAfter string // the Retry-After header
	duration   time.Duration
}

// targetSQL loads a delivery with its endpoint and event: all Deliver
// needs, in one query.
const targetSQL = `SELECT d.id, d.creditor_id, d.endpoint_id, d.state, d.round,
		e.url, e.secret, e.previous_secret, e.previous_secret_until, e.disabled_at, e.disabled_reason,
		ev.id AS event_id, ev.public_id AS event_public_id, ev.type AS event_type, ev.data AS event_data,
		ev.created_at AS event_created_at, ev.debtor_seq AS event_debtor_seq
	FROM webhook_deliveries d
	JOIN webhook_endpoints e ON e.creditor_id = d.creditor_id AND e.id = d.endpoint_id
	JOIN events ev ON ev.id = d.event_id AND ev.creditor_id = d.creditor_id
	WHERE d.id = $1`

// Deliver handles "webhook.deliver" jobs (payload {"delivery_id",
// "round"}): it sends the delivery's event to its endpoint, signed, and
// records the attempt. A 2xx marks the delivery delivered. A 410 disables
// the endpoint and kills the delivery. Any other answer, a network error
// or the SSRF guard's refusal schedules the next attempt by returning a
// jobs.RetryAtError (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h,
// 24 h, ±10 %, later if a 429 or 503 says Retry-After); after the last
// attempt the delivery is dead and so is the job (jobs.Permanent). A
// disabled endpoint kills the delivery without a request; a delivered,
// dead, removed or replayed (newer round) delivery ends the job quietly.
func (s *Service) Deliver(ctx context.Context, job *jobs.Job) (err error) {
	var p deliverPayload
	if err := json.Unmarshal(job.Payload, &p); err != nil || p.DeliveryID <= 0 {
		return jobs.Permanent(fmt.Errorf("hooks.Deliver: bad payload %s", job.Payload))
	}
	defer wrap(&err, "Deliver(delivery %d)", p.DeliveryID)
	log := s.log().With("delivery", p.DeliveryID)

	var t target
	if st := s.prepared(ctx, targetSQL); st != nil {
		err = st.GetContext(ctx, &t, p.DeliveryID)
	} else {
		err = s.DB.GetContext(ctx, &t, targetSQL, p.DeliveryID)
	}
	if errors.Is(err, sql.ErrNoRows) {
		log.Info("webhook delivery gone (endpoint removed): nothing to send")
		return nil
	}
	if err != nil {
		return err
	}
	if t.State != StatePending || (p.Round != 0 && p.Round != t.Round) {
		return nil // done already, or superseded by a replay
	}
	log = log.With("endpoint", t.EndpointID, "event", t.EventPublicID)
	if t.DisabledAt != nil {
		_, err := s.DB.ExecContext(ctx, `UPDATE webhook_deliveries SET state = 'dead', next_attempt_at = NULL,
			last_error = $3 WHERE id = $1 AND round = $2 AND state = 'pending'`,
			t.ID, t.Round, "endpoint disabled: "+t.DisabledReason)
		return err
	}

	now := s.now()
	body, err := Body(&store.Event{PublicID: t.EventPublicID, Type: t.EventType, Data: t.EventData,
		CreatedAt: t.EventCreatedAt, DebtorSeq: t.EventDebtorSeq})
	if err != nil {
		return jobs.Permanent(err)
	}
	secrets := []string{t.Secret}
	if t.PreviousSecret != nil && t.PreviousSecretUntil != nil && now.Before(*t.PreviousSecretUntil) {
		secrets = append(secrets, *t.PreviousSecret)
	}
	sig, err := Sign(t.EventPublicID, now, body, secrets...)
	if err != nil {
		return jobs.Permanent(err)
	}
	out := s.send(ctx, t.URL, t.EventPublicID, now, sig, body)

	n := max(job.Attempt, 1)
	switch {
	case out.status >= 200 && out.status < 300:
		err = s.record(ctx, &t, now, out, result{state: StateDelivered, deliveredAt: &now})
		if err == nil {
			log.Debug("webhook delivered", "status", out.status, "attempt", n)
		}
		return err
	case out.status == http.StatusGone:
		reason := fmt.Sprintf("the receiver answered 410 Gone on %s", now.UTC().Format(time.RFC3339))
		err = s.record(ctx, &t, now, out, result{state: StateDead, disable: reason})
		if err == nil {
			log.Warn("webhook endpoint disabled: receiver answered 410 Gone")
		}
		return err
	}

	failure := errors.New(out.errText)
	if n >= MaxAttempts || (job.MaxAttempts > 0 && n >= job.MaxAttempts) {
		if err := s.record(ctx, &t, now, out, result{state: StateDead}); err != nil {
			return err
		}
		log.Warn("webhook delivery dead after its last attempt", "attempts", n, "error", out.errText)
		return jobs.Permanent(failure)
	}
	next := nextAttempt(now, n, out)
	if err := s.record(ctx, &t, now, out, result{state: StatePending, nextAttemptAt: &next}); err != nil {
		return err
	}
	log.Info("webhook attempt failed", "attempt", n, "status", out.status, "error", out.errText, "next", next)
	return jobs.RetryAt(next, failure)
}

// send makes one request and describes how it went.
func (s *Service) send(ctx context.Context, rawURL, id string, ts time.Time, sig string, body []byte) outcome {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, bytes.NewReader(body))
	if err != nil {
		return outcome{errText: "bad request: " + err.Error()}
	}
	req.Header.Set(standardwebhooks.HeaderWebhookID, id)
	req.Header.Set(standardwebhooks.HeaderWebhookTimestamp, strconv.FormatInt(ts.Unix(), 10))
	req.Header.Set(standardwebhooks.HeaderWebhookSignature, sig)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", UserAgent)
	start := time.Now()
	resp, err := s.httpClient().Do(req)
	if err != nil {
		return outcome{errText: describeErr(err), duration: time.Since(start)}
	}
	defer resp.Body.Close()
	// Read a little for the record, and drain (bounded) so the connection
	// can be reused.
	head := make([]byte, 256)
	k, _ := io.ReadFull(resp.Body, head)
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	out := outcome{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), duration: time.Since(start)}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		out.errText = "HTTP " + strconv.Itoa(resp.StatusCode)
		if resp.StatusCode >= 300 && resp.StatusCode < 400 {
			out.errText += " (redirects are not followed)"
		}
		if snippet := clean(head[:k]); snippet != "" {
			out.errText += ": " + snippet
		}
	}
	return out
}

// describeErr says why a request got no response, without the URL (which
// may hold the receiver's own credentials in its query).
func describeErr(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return "no response within 15 s"
		}
		err = ue.Err
	}
	if errors.Is(err, ErrForbiddenAddress) {
		return "refused by the SSRF guard: " + err.Error()
	}
	return err.Error()
}

// clean makes a response snippet safe for a log line or a table cell.
func clean(b []byte) string {
	s := strings.ToValidUTF8(string(b), "?")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// result is what an attempt does to its delivery.
type result struct {
	state         string
	deliveredAt   *time.Time
	nextAttemptAt *time.Time
	disable       string // non-empty: disable the endpoint for this reason
}

// recordSQL stores an attempt, updates the delivery if it is still
// pending in its round, and disables the endpoint when $10 names a reason:
// one statement, so one round trip and atomic without a transaction block.
const recordSQL = `WITH attempt AS (
	INSERT INTO webhook_attempts (delivery_id, attempted_at, status, error, duration_ms)
	VALUES ($1, $3, $4, $5, $6)
), delivery AS (
	UPDATE webhook_deliveries
	SET attempts = attempts + 1, last_status = $4, last_error = $5, state = $7, delivered_at = $8, next_attempt_at = $9
	WHERE id = $1 AND round = $2 AND state = 'pending'
), endpoint AS (
	UPDATE webhook_endpoints SET disabled_at = $3, disabled_reason = $10
	WHERE $10 <> '' AND creditor_id = $11 AND id = $12 AND disabled_at IS NULL
)
SELECT 1`

// record stores an attempt and, if the delivery is still pending in its
// round, its result.
func (s *Service) record(ctx context.Context, t *target, at time.Time, out outcome, r result) error {
	var status *int
	if out.status != 0 {
		status = &out.status
	}
	args := []any{t.ID, t.Round, at, status, out.errText, out.duration.Milliseconds(),
		r.state, r.deliveredAt, r.nextAttemptAt, r.disable, t.CreditorID, t.EndpointID}
	var err error
	if st := s.prepared(ctx, recordSQL); st != nil {
		_, err = st.ExecContext(ctx, args...)
	} else {
		_, err = s.DB.ExecContext(ctx, recordSQL, args...)
	}
	return err
}

// nextAttempt is when to try again after failed attempt n: the schedule
// with ±10 % jitter, or the receiver's Retry-After on a 429 or 503 when
// that is later (at most maxRetryAfter away).
func nextAttempt(now time.Time, n int, out outcome) time.Time {
	d := retrySchedule[min(n, len(retrySchedule))-1]
	next := now.Add(time.Duration(float64(d) * (0.9 + 0.2*rand.Float64())))
	if out.status == http.StatusTooManyRequests || out.status == http.StatusServiceUnavailable {
		if ra, ok := parseRetryAfter(out.retryAfter, now); ok {
			if limit := now.Add(maxRetryAfter); ra.After(limit) {
				ra = limit
			}
			if ra.After(next) {
				next = ra
			}
		}
	}
	return next
}

// parseRetryAfter reads a Retry-After header: delay seconds or an HTTP
// date.
func parseRetryAfter(v string, now time.Time) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return time.Time{}, false
		}
		secs = min(secs, int64(maxRetryAfter/time.Second)+1)
		return now.Add(time.Duration(secs) * time.Second), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return t, true
	}
	return time.Time{}, false
}
