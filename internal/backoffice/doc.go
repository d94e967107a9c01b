// Package backoffice is what AR staff and call-centre agents do to a
// debtor's account: the debtor view, calls with their outcomes (promises
// to pay, callbacks), internal notes, fresh links by SMS or email, and
// assist mode. Every action writes the shared timeline (customer-visible
// or internal) and the audit log in the same transaction.
//
// Internal entries (notes, failed step-ups, wrong numbers) are never
// shown to the debtor: the debtor's history lists customer-visible kinds
// only (handlers/history_show.go).
package backoffice
