// Package molliesim is an in-memory simulator of the Mollie API (v2) and
// its hosted checkout, for running Settle without a MOLLIE_API_KEY: the
// demo and the tests then drive the real client library
// (github.com/VictorAvelar/mollie-api-go/v4) over real HTTP, and only
// the server side is simulated. Never mount it when a real Mollie key is
// configured; the caller decides.
//
// # Wiring
//
//	sim := molliesim.New(molliesim.Options{BaseURL: "http://localhost:8080/_mollie/", Log: log})
//	defer sim.Close()
//	mux.Handle("/_mollie/", sim.Handler())
//
//	client, _ := mollie.NewClient(httpClient, mollie.NewConfig(false, "MOLLIE_API_KEY"))
//	_ = client.WithAuthenticationValue("test_settle_simulator")
//	client.BaseURL, _ = url.Parse(sim.BaseURL()) // trailing slash required
//
// The API is under BaseURL+"v2/", the checkout pages under
// BaseURL+"checkout/{id}", the method icons under BaseURL+"img/". Any
// Bearer key starting with "test_" is accepted; anything else gets
// Mollie's 401 JSON. Every answer carries a Content-Length, which the
// client library needs to decode error bodies.
//
// # What is simulated
//
//   - Payments: create (POST /v2/payments and
//     /v2/customers/{id}/payments), get, list (newest first, limit/from,
//     _links.next), update (PATCH, open payments), cancel (DELETE, open or
//     pending bank transfer and direct debit payments). Validation answers
//     422 with Mollie's error shape and "field": amount (exact decimals,
//     > 0, within the enabled methods' limits, supported currency),
//     description (required, truncated to 255), redirectUrl (required
//     except for recurring), URL syntax, locale, metadata (≤ 1 kB),
//     method (string or array of enabled ids), sequenceType, customerId,
//     mandateId.
//   - Statuses as Mollie's state machine: open → pending | paid | failed |
//     canceled | expired; pending → paid | failed | canceled | expired;
//     paid, failed, canceled and expired are final (a paid payment keeps
//     "paid" through refunds and chargebacks, which change
//     amountRefunded, amountRemaining and amountChargedBack). Open and
//     pending payments expire at expiresAt (15 min without a method;
//     per method otherwise: iDEAL 15 min, cards 30 min, PayPal 3 h,
//     Klarna 48 h, bank transfer 12 days, moved off weekends); the
//     simulator expires them lazily, whenever any request or helper looks
//     at its state, and then calls the webhook.
//   - Payment fields: timestamps per status, details per method (bank
//     transfer: bankName, bankAccount, bankBic, transferReference as
//     soon as the method is known; consumer data once paid; card
//     failureReason for Mollie's magic amounts 1001.00–1011.00), _links
//     (self, checkout while open, changePaymentState for recurring and
//     paid payments, refunds, chargebacks, customer, mandate),
//     isCancelable, settlementAmount, "method": null and "details": null
//     until known, timestamps as "2006-01-02T15:04:05+00:00".
//   - Idempotency-Key on every POST, as Mollie documents it: the same key
//     (per API key) within Options.IdempotencyTTL (default one hour, like
//     Mollie) replays the first answer byte for byte (status, body) with
//     "Idempotent-Replayed: true" — so a replayed payment shows the status
//     it had when it was created; fetch it for the current one. The same
//     key on another endpoint or with another body answers 400; while
//     the first request is still running, 409. Keys are ignored on other
//     methods. Requests records every key for tests.
//   - Methods API: GET /v2/methods (filters amount[value]/amount[currency],
//     sequenceType, billingCountry; description by locale, English
//     fallback; image size1x/size2x/svg served by the simulator itself;
//     status "activated"; include=issuers for iDEAL), /v2/methods/all,
//     /v2/methods/{id}.
//   - Refunds (POST and GET /v2/payments/{id}/refunds, GET …/refunds/{id},
//     GET /v2/refunds): a refund answers "pending", is processed at once
//     to "refunded" and calls the webhook. Chargebacks (GET
//     …/chargebacks, …/chargebacks/{id}, /v2/chargebacks) come from the
//     Chargeback helper or the checkout page of a paid payment.
//   - Customers and mandates: create/get/list customers, list/get/create
//     (SEPA directdebit, IBAN checked)/revoke mandates. A paid "first"
//     payment creates a valid mandate (card → creditcard, PayPal →
//     paypal, anything else → directdebit) and sets the payment's
//     mandateId. A "recurring" payment charges the given or newest valid
//     mandate, starts "pending" without a checkout link, and is completed
//     with SetStatus or its changePaymentState page.
//   - Webhooks: on paid, failed, canceled, expired, on a refund and on a
//     chargeback (never for open or pending), a form POST "id=tr_…"
//     to the payment's webhookUrl, in a goroutine, 15 s timeout per call,
//     redirects not followed, retried on a non-2xx answer or a network
//     error after each of Options.WebhookRetries (default 1 s, 2 s, 4 s;
//     Mollie uses 10 attempts over 26 h). Close abandons pending retries.
//     Deliveries are not ordered, as with Mollie.
//   - Hosted checkout: GET BaseURL+"checkout/{id}" shows the description,
//     amount and status, a method choice when none is fixed, and the
//     buttons Paid, Failed, Canceled, Expired and "Open (pending)"; the
//     POST changes that one payment, calls the webhook and answers 303 to
//     redirectUrl (cancelUrl for Canceled, if given). A paid payment's
//     page offers "Refund the rest" and "Chargeback the rest". The pages
//     work without JavaScript, are labelled as a simulator, send a strict
//     CSP with a nonce, and refuse cross-origin POSTs
//     (http.CrossOriginProtection).
//
// # Faults and test helpers
//
// FailNext(n, status) answers the next n API requests with an error
// without processing them; Delay and DelayNext slow requests down;
// DropNextResponses(n) processes requests but cuts the connection before
// the answer (the case Idempotency-Key exists for; note that Go's
// http.Transport silently resends a request carrying an Idempotency-Key
// when a reused connection breaks, and then receives the replay);
// Options.Fault / SetFault decide per request (e.g. 30 % 503s);
// DropWebhooks suppresses webhook calls. SetStatus, SetStatusWithMethod,
// Refund and Chargeback act as Mollie would; Payments, Payment,
// Requests, IdempotencyKeys, WebhookCalls and WebhookLog inspect.
//
// # What is not simulated
//
// Orders, captures and the "authorized" status (Klarna behaves like an
// instant method here), subscriptions, payment links, settlements,
// balances, profiles, organizations, OAuth/organization tokens and
// testmode, live mode, the next-gen signed webhook events, QR codes,
// embed/include beyond iDEAL issuers, rate limits (except as injected
// faults), currency conversion of method limits, and the checkout's
// real payment forms. Webhook URLs on localhost are accepted (Mollie
// refuses them). State lives in memory only: after a restart every id is
// unknown (404), so Settle's reconciler must treat a 404 for a payment it
// created as "lost with the simulator", not as a reason to crash.
package molliesim
