// Package billing takes in what a creditor's billing system pushes:
// debtors, invoices, and payments received elsewhere. It validates input
// field by field (ar.Invalids), keeps the ledger append-only, and writes
// the event a creditor cares about in the same transaction as the change
// (the transactional outbox, store.AddEvent).
//
// Rules:
//   - an invoice's totals must equal the sum of its lines, and each line's
//     amounts must match quantity × unit price and its tax rate (rounded
//     half away from zero per line, net first);
//   - an invoice with anything booked against it besides itself (a
//     payment, a credit note) cannot be changed: that is a Conflict, not a
//     silent overwrite; an unsettled invoice can be corrected, and the
//     difference of its total is booked as a new ledger entry;
//   - an invoice never moves to another debtor.
package billing
