// Package checkout lets a debtor pay in the portal through Mollie: it
// starts payments (idempotently), and applies what Mollie reports about
// them, from the webhook, the return page and the reconciler alike.
//
// Nothing posted to Settle is trusted: a webhook only names a payment,
// and its state is always fetched from Mollie, checked against our own
// row (amount, currency), and applied under the row's lock, so
// duplicates, replays and out-of-order deliveries change nothing twice:
//   - open → pending, paid, failed, canceled, expired;
//   - paid is never downgraded; refunds and chargebacks put the money
//     back on the invoices it paid (payment.reversed);
//   - a payment that is paid although its invoices were meanwhile paid
//     another way still counts: the surplus stays on the account as a
//     credit, visible to staff.
//
// Crash safety: our payment row is committed before Mollie is asked
// (with the row's id as Idempotency-Key); a row left without a Mollie id
// is retried by the reconciler with the same key, so the same Mollie
// payment is found, never a second one.
package checkout
