// Package hooks sends a creditor's events to the HTTPS endpoints the
// creditor registers, signed as Standard Webhooks 1.0
// (https://www.standardwebhooks.com), at least once, with retries.
//
// # How events flow
//
// Every state change inserts its event into the events outbox in its own
// transaction (store.AddEvent). A trigger on events creates, in that same
// transaction, one delivery per active endpoint of the event's creditor
// subscribed to its type, and a "webhook.deliver" job for each, so an
// event and its deliveries commit together or not at all; Deliver makes
// the requests. Dispatch ("event.dispatch" jobs) does what the trigger
// does for an event that is already stored, for backfills. Wire
// Service.Handlers into the job runner.
//
// # The contract for receivers
//
// Request: POST to the registered URL with
//
//	Content-Type: application/json
//	User-Agent: Settle-Webhooks/1
//	webhook-id: evt_…          the event's id; the same on every retry and replay
//	webhook-timestamp: 1767225600   Unix seconds of this attempt
//	webhook-signature: v1,<base64>  [v1,<base64> …]
//
// and the body
//
//	{"id": "evt_…", "type": "payment.paid", "created_at": "2026-01-01T00:00:00Z",
//	 "debtor_sequence": 42, "data": {…}}
//
// id equals webhook-id; debtor_sequence (present for events about a
// debtor) numbers that debtor's events without gaps in commit order, so a
// receiver can tell a missing or out-of-order event; data depends on
// type (see EventTypes).
//
// Verifying: the signature is the base64 HMAC-SHA256, keyed with the
// base64-decoded part of the endpoint's secret after "whsec_", of
// "{webhook-id}.{webhook-timestamp}.{raw body}". Accept the request if
// any of the space-separated "v1,…" signatures matches (compare in
// constant time) and the timestamp is within 5 minutes of your clock;
// use the raw body bytes, not re-serialised JSON. Any Standard Webhooks
// library does all of this, for example in Go:
//
//	wh, _ := standardwebhooks.NewWebhook(secret) // "whsec_…"
//	err := wh.Verify(body, r.Header)
//
// Secret rotation: after a rotation each request carries two
// signatures, one with the new secret and one with the previous, for 24
// hours; then only the new one.
//
// Answering: any 2xx means delivered; answer fast (within 15 s; better:
// store the event and process it later) and deduplicate by webhook-id,
// since delivery is at least once. Redirects are not followed (a 3xx is
// a failure). Anything else (another status, a timeout, a connection
// error) is retried after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h
// and 24 h (each ±10 %), ten attempts in about three days; on 429 or 503
// a Retry-After (seconds or an HTTP date) later than that is honoured, up
// to 24 h. After the last attempt the delivery is dead; staff can replay
// it. Events are not guaranteed to arrive in order: use debtor_sequence.
//
// 410 Gone disables the endpoint: nothing more is sent to it until it is
// enabled again, and its pending deliveries die.
//
// # Security
//
// Endpoint URLs must be http(s) without user info and resolve only to
// public addresses: loopback, private, link-local (including cloud
// metadata at 169.254.169.254 and fd00:ec2::254), carrier-grade NAT,
// multicast and unspecified addresses are refused when the endpoint is
// added and again when connecting (the dialer checks the address it
// actually connects to, so DNS rebinding does not help). Proxies from the
// environment are not used. Service.AllowPrivate
// (SETTLE_WEBHOOK_ALLOW_PRIVATE) turns the guard off, for development
// only. Every query is scoped by creditor; secrets are shown once, when
// made, and never listed.
package hooks
