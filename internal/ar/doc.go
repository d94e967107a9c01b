// Package ar is Settle's accounts-receivable domain: creditors, debtors,
// invoices, the ledger, access links and the typed errors every layer
// shares. It holds types and rules only; it imports no other package of
// this module and does no I/O.
//
// Money is always integer minor units (int64 cents) with an ISO 4217
// currency code; never floats. Dates that a person reads (issue date, due
// date) are civil dates, held as time.Time at midnight UTC and compared by
// calendar day in the creditor's time zone; instants are UTC.
//
// Balances are derived from the append-only ledger and never stored twice:
// an invoice's open amount is the sum of the ledger entries booked against
// it (the invoice itself positive, payments and credit notes negative).
package ar
