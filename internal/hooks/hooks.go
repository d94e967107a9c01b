package hooks

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/jobs"
)

// Job kinds this package handles.
const (
	// KindDispatch (payload {"event_id": N}) creates an event's missing
	// deliveries and their deliver jobs. New events do not need it (a
	// trigger on events does the same in the event's transaction); it is
	// for backfills and replays an operator enqueues.
	KindDispatch = "event.dispatch"
	// KindDeliver (payload {"delivery_id": N, "round": R}) sends one
	// delivery; enqueued by the trigger on events, Dispatch and Replay.
	KindDeliver = "webhook.deliver"
)

// EventTypes are the event types an endpoint may subscribe to.
var EventTypes = []string{
	"invoice.created",
	"payment.paid",
	"payment.failed",
	"payment.reversed",
	"plan.requested",
	"plan.approved",
	"plan.broken",
	"dispute.opened",
	"dispute.resolved",
	"promise.made",
	"promise.kept",
	"promise.broken",
	"link.opened",
	"contact.updated",
	"service.restorable",
	// A credit note was booked (from POST /api/v1/credit-notes or an
	// accepted dispute): number, customer_number, invoice_number (null:
	// on the account), amount_minor, currency, issue_date, reason.
	"credit_note.issued",
	// reminders (issue 9): the debtor changed their reminder preferences.
	"debtor.preferences_changed",
	// Dunning reached a policy's hand-over stage: customer_number,
	// invoice_numbers, open_minor, currency (pass the claim on).
	"dunning.handover",
}

// SecretOverlap is how long the previous secret keeps signing after a
// rotation.
const SecretOverlap = 24 * time.Hour

// Service manages a creditor's webhook endpoints and delivers events to
// them.
type Service struct {
	DB  *sqlx.DB
	Log *slog.Logger
	// AllowPrivate turns the SSRF guard off (SETTLE_WEBHOOK_ALLOW_PRIVATE):
	// for development and tests with receivers on localhost only.
	AllowPrivate bool
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Client sends deliveries. Nil: a client with a 15 s timeout that
	// follows no redirects and whose dialer refuses non-public addresses
	// at connect time unless AllowPrivate.
	Client *http.Client

	clientOnce sync.Once
	client     *http.Client

	stmtMu sync.Mutex
	stmts  map[string]*sqlx.Stmt

	tx *sqlx.Tx // set by WithTx
}

// querier is what the endpoint methods run on: the pool, or a caller's
// transaction (WithTx).
type querier interface {
	sqlx.ExtContext
	GetContext(ctx context.Context, dest any, query string, args ...any) error
	SelectContext(ctx context.Context, dest any, query string, args ...any) error
}

func (s *Service) db() querier {
	if s.tx != nil {
		return s.tx
	}
	return s.DB
}

// WithTx returns a Service like s whose endpoint and delivery methods
// (AddEndpoint … Replay) run in tx, a transaction the caller commits:
// the back office writes its audit log in the same transaction. Do not
// use it for Deliver.
func (s *Service) WithTx(tx *sqlx.Tx) *Service {
	return &Service{DB: s.DB, Log: s.Log, AllowPrivate: s.AllowPrivate, Now: s.Now, Client: s.Client, tx: tx}
}

// prepared returns query prepared on s.DB, or nil when it cannot be
// prepared right now (the caller then runs it unprepared). Deliver's
// statements run for every request: prepared, PostgreSQL parses and plans
// them once per connection instead of on every run (planning the target's
// three-table join costs several times executing it), and lib/pq needs
// one round trip instead of two.
func (s *Service) prepared(ctx context.Context, query string) *sqlx.Stmt {
	s.stmtMu.Lock()
	defer s.stmtMu.Unlock()
	if st := s.stmts[query]; st != nil {
		return st
	}
	st, err := s.DB.PreparexContext(ctx, query)
	if err != nil {
		return nil
	}
	if s.stmts == nil {
		s.stmts = make(map[string]*sqlx.Stmt)
	}
	s.stmts[query] = st
	return st
}

// WithDB returns a Service like s that uses db: the job runner can give
// deliveries a connection pool of their own, so that a burst of web
// requests waiting for connections does not hold up webhooks.
func (s *Service) WithDB(db *sqlx.DB) *Service {
	return &Service{DB: db, Log: s.Log, AllowPrivate: s.AllowPrivate, Now: s.Now, Client: s.Client}
}

// Handlers returns the job handlers by kind, for the job runner.
func (s *Service) Handlers() map[string]jobs.Handler {
	return map[string]jobs.Handler{
		KindDispatch: s.Dispatch,
		KindDeliver:  s.Deliver,
	}
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.New(slog.DiscardHandler)
}

func (s *Service) httpClient() *http.Client {
	if s.Client != nil {
		return s.Client
	}
	s.clientOnce.Do(func() { s.client = newClient(s.AllowPrivate) })
	return s.client
}

// Endpoint is a registered receiver. Its secret is never part of it: the
// secret is shown once, by AddEndpoint and RotateSecret.
type Endpoint struct {
	ID         int64
	CreditorID int64
	URL        string
	EventTypes []string // empty: every type
	// PreviousSecretUntil is when the secret replaced by the last
	// rotation stops signing (nil when there is none).
	PreviousSecretUntil *time.Time
	DisabledAt          *time.Time
	DisabledReason      string
	CreatedAt           time.Time
}

// Active reports whether deliveries go to e.
func (e *Endpoint) Active() bool { return e.DisabledAt == nil }

type endpointRow struct {
	ID                  int64          `db:"id"`
	CreditorID          int64          `db:"creditor_id"`
	URL                 string         `db:"url"`
	EventTypes          pq.StringArray `db:"event_types"`
	PreviousSecretUntil *time.Time     `db:"previous_secret_until"`
	DisabledAt          *time.Time     `db:"disabled_at"`
	DisabledReason      string         `db:"disabled_reason"`
	CreatedAt           time.Time      `db:"created_at"`
}

const endpointColumns = `id, creditor_id, url, event_types, previous_secret_until, disabled_at, disabled_reason, created_at`

func (r *endpointRow) endpoint() *Endpoint {
	types := []string(r.EventTypes)
	if types == nil {
		types = []string{}
	}
	return &Endpoint{ID: r.ID, CreditorID: r.CreditorID, URL: r.URL, EventTypes: types,
		PreviousSecretUntil: r.PreviousSecretUntil, DisabledAt: r.DisabledAt,
		DisabledReason: r.DisabledReason, CreatedAt: r.CreatedAt}
}

// Delivery is one event on its way to one endpoint.
type Delivery struct {
	ID            int64      `db:"id"`
	CreditorID    int64      `db:"creditor_id"`
	EndpointID    int64      `db:"endpoint_id"`
	EventID       int64      `db:"event_id"`
	EventPublicID string     `db:"event_public_id"` // the webhook-id header
	EventType     string     `db:"event_type"`
	State         string     `db:"state"` // pending, delivered, dead
	Round         int        `db:"round"` // 1, +1 per replay
	Attempts      int        `db:"attempts"`
	LastStatus    *int       `db:"last_status"`
	LastError     string     `db:"last_error"`
	NextAttemptAt *time.Time `db:"next_attempt_at"`
	CreatedAt     time.Time  `db:"created_at"`
	DeliveredAt   *time.Time `db:"delivered_at"`
}

// Delivery states.
const (
	StatePending   = "pending"
	StateDelivered = "delivered"
	StateDead      = "dead"
)

// Attempt is one HTTP request of a delivery.
type Attempt struct {
	ID          int64     `db:"id"`
	DeliveryID  int64     `db:"delivery_id"`
	AttemptedAt time.Time `db:"attempted_at"`
	Status      *int      `db:"status"` // nil: no response
	Error       string    `db:"error"`
	DurationMS  int       `db:"duration_ms"`
}

// Error is an invalid-input error with a plain English message (Error)
// that unwraps to an *ar.Error (code invalid, a translation key and the
// field), so the web layer maps it like any domain error.
type Error struct {
	Msg string
	AR  *ar.Error
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.AR }

func invalid(field, key, format string, args ...any) error {
	return &Error{Msg: fmt.Sprintf(format, args...), AR: ar.FieldError(field, key, nil)}
}

func errNotFound() error { return ar.Errorf(ar.NotFound, "error.not_found") }

// NewSecret returns a signing secret: "whsec_" and the base64 of 32
// random bytes.
func NewSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return "whsec_" + base64.StdEncoding.EncodeToString(b)
}

// ValidateURL checks a receiver URL: http or https, a host, no user info,
// and (unless allowPrivate) a host whose every address is public. It
// returns the URL as it will be stored.
func ValidateURL(ctx context.Context, rawURL string, allowPrivate bool) (string, error) {
	rawURL = strings.TrimSpace(rawURL)
	if rawURL == "" {
		return "", invalid("url", "error.webhook.url", "the webhook URL is empty")
	}
	if len(rawURL) > 2048 {
		return "", invalid("url", "error.webhook.url", "the webhook URL is longer than 2048 characters")
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", invalid("url", "error.webhook.url", "the webhook URL %q cannot be parsed", rawURL)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", invalid("url", "error.webhook.url", "the webhook URL must start with https:// or http://")
	}
	if u.User != nil {
		return "", invalid("url", "error.webhook.url", "the webhook URL must not contain a user name or password")
	}
	host := u.Hostname()
	if host == "" || u.Opaque != "" {
		return "", invalid("url", "error.webhook.url", "the webhook URL has no host")
	}
	u.Fragment, u.RawFragment = "", ""
	var addrs []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{ip}
	} else {
		lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		addrs, err = net.DefaultResolver.LookupNetIP(lctx, "ip", host)
		if err != nil || len(addrs) == 0 {
			return "", invalid("url", "error.webhook.host", "the webhook host %q does not resolve", host)
		}
	}
	if !allowPrivate {
		for _, ip := range addrs {
			if !allowedAddr(ip) {
				return "", invalid("url", "error.webhook.private",
					"the webhook host %q resolves to %s, which is not a public address", host, ip.Unmap())
			}
		}
	}
	return u.String(), nil
}

// ValidateEventTypes checks types against EventTypes and returns them
// sorted without duplicates (empty: every type).
func ValidateEventTypes(types []string) ([]string, error) {
	out := []string{}
	for _, t := range types {
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		if !slices.Contains(EventTypes, t) {
			return nil, invalid("event_types", "error.webhook.event_type",
				"unknown event type %q (known: %s)", t, strings.Join(EventTypes, ", "))
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out, nil
}

// AddEndpoint registers a receiver for a creditor's events (eventTypes
// empty: every type) and returns it with its signing secret, which is
// shown only this once.
func (s *Service) AddEndpoint(ctx context.Context, creditorID int64, rawURL string, eventTypes []string) (ep *Endpoint, secret string, err error) {
	defer wrap(&err, "AddEndpoint(%d)", creditorID)
	u, err := ValidateURL(ctx, rawURL, s.AllowPrivate)
	if err != nil {
		return nil, "", err
	}
	types, err := ValidateEventTypes(eventTypes)
	if err != nil {
		return nil, "", err
	}
	secret = NewSecret()
	var row endpointRow
	err = s.db().GetContext(ctx, &row, `INSERT INTO webhook_endpoints (creditor_id, url, secret, event_types, created_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING `+endpointColumns,
		creditorID, u, secret, pq.StringArray(types), s.now())
	if err != nil {
		return nil, "", err
	}
	return row.endpoint(), secret, nil
}

// Endpoints returns a creditor's endpoints, oldest first.
func (s *Service) Endpoints(ctx context.Context, creditorID int64) (list []*Endpoint, err error) {
	defer wrap(&err, "Endpoints(%d)", creditorID)
	var rows []endpointRow
	if err := s.db().SelectContext(ctx, &rows, `SELECT `+endpointColumns+`
		FROM webhook_endpoints WHERE creditor_id = $1 ORDER BY id`, creditorID); err != nil {
		return nil, err
	}
	list = make([]*Endpoint, len(rows))
	for i := range rows {
		list[i] = rows[i].endpoint()
	}
	return list, nil
}

// Endpoint returns one of a creditor's endpoints.
func (s *Service) Endpoint(ctx context.Context, creditorID, id int64) (ep *Endpoint, err error) {
	defer wrap(&err, "Endpoint(%d, %d)", creditorID, id)
	var row endpointRow
	if err := s.db().GetContext(ctx, &row, `SELECT `+endpointColumns+`
		FROM webhook_endpoints WHERE creditor_id = $1 AND id = $2`, creditorID, id); err != nil {
		return nil, err
	}
	return row.endpoint(), nil
}

// RotateSecret gives an endpoint a new secret and returns it. The old
// secret keeps signing for SecretOverlap: meanwhile each request carries
// both signatures, so the receiver can switch at its own pace. A second
// rotation within the overlap ends the first old secret's validity.
func (s *Service) RotateSecret(ctx context.Context, creditorID, endpointID int64) (secret string, err error) {
	defer wrap(&err, "RotateSecret(%d, %d)", creditorID, endpointID)
	secret = NewSecret()
	var id int64
	err = s.db().GetContext(ctx, &id, `UPDATE webhook_endpoints
		SET previous_secret = secret, previous_secret_until = $3, secret = $4
		WHERE creditor_id = $1 AND id = $2 RETURNING id`,
		creditorID, endpointID, s.now().Add(SecretOverlap), secret)
	if err != nil {
		return "", err
	}
	return secret, nil
}

// RemoveEndpoint deletes an endpoint with its deliveries and their
// attempts; its pending deliver jobs then end without sending.
func (s *Service) RemoveEndpoint(ctx context.Context, creditorID, id int64) (err error) {
	defer wrap(&err, "RemoveEndpoint(%d, %d)", creditorID, id)
	res, err := s.db().ExecContext(ctx, `DELETE FROM webhook_endpoints WHERE creditor_id = $1 AND id = $2`, creditorID, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errNotFound()
	}
	return nil
}

// EnableEndpoint re-enables an endpoint that was disabled (by a 410 from
// the receiver). Deliveries that went dead meanwhile stay dead: Replay
// them.
func (s *Service) EnableEndpoint(ctx context.Context, creditorID, id int64) (err error) {
	defer wrap(&err, "EnableEndpoint(%d, %d)", creditorID, id)
	res, err := s.db().ExecContext(ctx, `UPDATE webhook_endpoints SET disabled_at = NULL, disabled_reason = ''
		WHERE creditor_id = $1 AND id = $2`, creditorID, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errNotFound()
	}
	return nil
}

// DisableEndpoint stops deliveries to an endpoint (reason says why, for
// the endpoint's page) until EnableEndpoint. Its pending deliveries go
// dead without a request; an endpoint already disabled keeps its reason.
func (s *Service) DisableEndpoint(ctx context.Context, creditorID, id int64, reason string) (err error) {
	defer wrap(&err, "DisableEndpoint(%d, %d)", creditorID, id)
	var got int64
	return s.db().GetContext(ctx, &got, `UPDATE webhook_endpoints
		SET disabled_at = coalesce(disabled_at, $3), disabled_reason = CASE WHEN disabled_at IS NULL THEN $4 ELSE disabled_reason END
		WHERE creditor_id = $1 AND id = $2 RETURNING id`, creditorID, id, s.now(), reason)
}

// Stats counts an endpoint's latest deliveries (at most StatsWindow) by
// state.
type Stats struct {
	Delivered int
	Pending   int
	Dead      int
	Last      *time.Time // when the newest of them was created
}

// StatsWindow is how many of an endpoint's latest deliveries Stats
// counts: a bounded read of the endpoint's index, however long its
// history.
const StatsWindow = 100

// RecentStats returns the Stats of each of a creditor's endpoints that
// has deliveries, by endpoint id.
func (s *Service) RecentStats(ctx context.Context, creditorID int64) (stats map[int64]Stats, err error) {
	defer wrap(&err, "RecentStats(%d)", creditorID)
	var rows []struct {
		EndpointID int64      `db:"endpoint_id"`
		State      string     `db:"state"`
		N          int        `db:"n"`
		Last       *time.Time `db:"last"`
	}
	err = s.db().SelectContext(ctx, &rows, `SELECT e.id AS endpoint_id, d.state, count(*) AS n, max(d.created_at) AS last
		FROM webhook_endpoints e
		CROSS JOIN LATERAL (SELECT state, created_at FROM webhook_deliveries
			WHERE creditor_id = e.creditor_id AND endpoint_id = e.id ORDER BY id DESC LIMIT $2) d
		WHERE e.creditor_id = $1
		GROUP BY e.id, d.state`, creditorID, StatsWindow)
	if err != nil {
		return nil, err
	}
	stats = map[int64]Stats{}
	for _, r := range rows {
		st := stats[r.EndpointID]
		switch r.State {
		case StateDelivered:
			st.Delivered += r.N
		case StatePending:
			st.Pending += r.N
		case StateDead:
			st.Dead += r.N
		}
		if r.Last != nil && (st.Last == nil || r.Last.After(*st.Last)) {
			st.Last = r.Last
		}
		stats[r.EndpointID] = st
	}
	return stats, nil
}

const deliveryColumns = `d.id, d.creditor_id, d.endpoint_id, d.event_id, ev.public_id AS event_public_id,
	ev.type AS event_type, d.state, d.round, d.attempts, d.last_status, d.last_error, d.next_attempt_at,
	d.created_at, d.delivered_at`

// Deliveries returns an endpoint's latest deliveries, newest first.
func (s *Service) Deliveries(ctx context.Context, creditorID, endpointID int64, limit int) (list []Delivery, err error) {
	defer wrap(&err, "Deliveries(%d, %d)", creditorID, endpointID)
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	err = s.db().SelectContext(ctx, &list, `SELECT `+deliveryColumns+`
		FROM webhook_deliveries d JOIN events ev ON ev.id = d.event_id
		WHERE d.creditor_id = $1 AND d.endpoint_id = $2
		ORDER BY d.id DESC LIMIT $3`, creditorID, endpointID, limit)
	return list, err
}

// Delivery returns one of a creditor's deliveries.
func (s *Service) Delivery(ctx context.Context, creditorID, id int64) (d *Delivery, err error) {
	defer wrap(&err, "Delivery(%d, %d)", creditorID, id)
	d = new(Delivery)
	err = s.db().GetContext(ctx, d, `SELECT `+deliveryColumns+`
		FROM webhook_deliveries d JOIN events ev ON ev.id = d.event_id
		WHERE d.creditor_id = $1 AND d.id = $2`, creditorID, id)
	return d, err
}

// Attempts returns a delivery's attempts, oldest first.
func (s *Service) Attempts(ctx context.Context, creditorID, deliveryID int64) (list []Attempt, err error) {
	defer wrap(&err, "Attempts(%d, %d)", creditorID, deliveryID)
	err = s.db().SelectContext(ctx, &list, `SELECT a.id, a.delivery_id, a.attempted_at, a.status, a.error, a.duration_ms
		FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
		WHERE d.creditor_id = $1 AND a.delivery_id = $2 ORDER BY a.id`, creditorID, deliveryID)
	return list, err
}

// AttemptsOf returns the attempts of several of a creditor's
// deliveries, oldest first, by delivery id (other creditors' deliveries
// have none).
func (s *Service) AttemptsOf(ctx context.Context, creditorID int64, deliveryIDs []int64) (byDelivery map[int64][]Attempt, err error) {
	defer wrap(&err, "AttemptsOf(%d)", creditorID)
	byDelivery = map[int64][]Attempt{}
	if len(deliveryIDs) == 0 {
		return byDelivery, nil
	}
	var list []Attempt
	err = s.db().SelectContext(ctx, &list, `SELECT a.id, a.delivery_id, a.attempted_at, a.status, a.error, a.duration_ms
		FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
		WHERE d.creditor_id = $1 AND a.delivery_id = ANY ($2) ORDER BY a.delivery_id, a.id`,
		creditorID, pq.Int64Array(deliveryIDs))
	for _, a := range list {
		byDelivery[a.DeliveryID] = append(byDelivery[a.DeliveryID], a)
	}
	return byDelivery, err
}

// Replay sends a delivery again, whatever its state: it becomes pending
// in a new round with a fresh retry schedule, and a new deliver job is
// enqueued. The webhook-id stays the event's id, so receivers that
// deduplicate see a duplicate. A job of the earlier round still waiting
// ends without sending.
func (s *Service) Replay(ctx context.Context, creditorID, deliveryID int64) (err error) {
	defer wrap(&err, "Replay(%d, %d)", creditorID, deliveryID)
	tx := s.tx
	if tx == nil {
		if tx, err = s.DB.BeginTxx(ctx, nil); err != nil {
			return err
		}
		defer tx.Rollback()
	}
	var round int
	err = tx.GetContext(ctx, &round, `UPDATE webhook_deliveries
		SET state = 'pending', round = round + 1, next_attempt_at = $3, delivered_at = NULL
		WHERE creditor_id = $1 AND id = $2 RETURNING round`, creditorID, deliveryID, s.now())
	if err != nil {
		return err
	}
	if err := enqueueDeliver(ctx, tx, deliveryID, round); err != nil {
		return err
	}
	if s.tx != nil {
		return nil // the caller commits
	}
	return tx.Commit()
}

type deliverPayload struct {
	DeliveryID int64 `json:"delivery_id"`
	Round      int   `json:"round,omitempty"`
}

// enqueueDeliver enqueues a delivery's job. The trigger
// events_enqueue_deliveries (migration 00004) enqueues the same job in SQL:
// keep the two alike.
func enqueueDeliver(ctx context.Context, q sqlx.ExtContext, deliveryID int64, round int) error {
	_, err := jobs.Enqueue(ctx, q, KindDeliver, deliverPayload{DeliveryID: deliveryID, Round: round},
		jobs.UniqueKey(fmt.Sprintf("%s:%d:%d", KindDeliver, deliveryID, round)),
		jobs.MaxAttempts(MaxAttempts))
	return err
}

// wrap annotates *err with the operation, leaving domain errors intact and
// turning sql.ErrNoRows into a NotFound error (as package store does).
func wrap(err *error, op string, args ...any) {
	if *err == nil {
		return
	}
	if errors.Is(*err, sql.ErrNoRows) {
		*err = errNotFound()
		return
	}
	if _, ok := ar.AsError(*err); ok {
		return
	}
	*err = fmt.Errorf("hooks.%s: %w", fmt.Sprintf(op, args...), *err)
}
