// Package payments is Settle's port to the payment provider: Mollie,
// through github.com/VictorAvelar/mollie-api-go/v4, pointed at the real
// API or at the built-in simulator (package molliesim) when no live or
// test key is configured. The same client code runs in both cases.
//
// Every payment creation carries an Idempotency-Key derived from
// Settle's own payment id, set by a RoundTripper from the request's
// context (the library's own toggle makes a fresh random key per request,
// which would not protect a retry). A retry after a timeout, a crash
// between creating the payment at Mollie and committing our row, or a
// double click therefore finds the same Mollie payment instead of
// creating a second one.
package payments
