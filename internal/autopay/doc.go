// Package autopay pays the instalments of a payment plan by SEPA Direct
// Debit through Mollie: the debtor sets it up once, the charge job
// collects every instalment on its due date, and the debtor can see and
// revoke the mandate.
//
// # Setting it up
//
// SetUp (POST /account/plans/{plan}/autopay) makes, or reuses, the
// debtor's Mollie customer (a pending mandates row holds its id) and a
// "first" payment of the next open instalment, restricted to the bank
// methods whose first payment leaves a SEPA Direct Debit mandate (iDEAL,
// Bancontact, EPS …: Mollie's Methods API with sequenceType=first, less
// cards and wallets). The debtor pays it in Mollie's checkout. When it is
// paid (webhook, return page or reconciler: checkout.Sync), checkout
// calls PlanPaymentApplied in its transaction: the mandate becomes valid
// (id, status and masked account as Mollie has them), the plan gets
// autopay, and the payment pays the instalment like any payment on the
// plan's invoices (billing.ApplyPaid with the plan's invoice numbers,
// which the payment row carries). A debtor with a valid mandate already
// (from another plan) gets autopay at once, without a payment.
//
// # Charging, and why it cannot charge twice
//
// ChargeDue (the autopay.due job, every five minutes, on any number of
// workers at once) finds the instalments to collect: due on or before
// the creditor's today, not fully paid, of an active plan with autopay on
// a valid mandate, and never charged before. For each, in one
// transaction that holds the plan's row lock and checks all of that
// again, it inserts our payment row (sequence_type recurring, open, no
// provider id) and enqueues an autopay.charge job for it; the unique
// index payments_instalment_charge_idx allows one live recurring charge
// per instalment, so a second scan, racing or late, inserts nothing.
// Only after the commit does Charge (the job) ask Mollie, with the
// payment row's public id as Idempotency-Key, and then store Mollie's id.
// A crash or a lost answer between the two leaves the row without a
// provider id and the job unfinished; the job runs again (lease expiry,
// retries) with the same key, and Mollie answers with the payment it
// made the first time. Past Mollie's one-hour key lifetime, Charge first
// looks for the payment among the customer's payments by its
// settle_payment metadata. So one instalment has at most one row, and one
// row at most one Mollie payment.
//
// Never after revocation or the end of a plan: the scan and the insert
// check the plan (active, autopay) and the mandate (valid) under the
// plan's lock; Charge checks again before it asks Mollie and once more
// after it stored the answer, and cancels a charge that lost the race.
// Revoke marks the mandate revoked and turns autopay off in one
// transaction, then revokes it at Mollie (so Mollie refuses any later
// charge) and cancels charges not yet sent to the bank; the autopay.revoke
// job repeats that until it succeeded.
//
// # What happens then
//
// A paid charge pays the instalment (billing.ApplyPaid). A failed,
// canceled or expired one goes on the timeline (plan.instalment_failed);
// the instalment stays open and is not debited again by itself: the
// friendly reminder and the grace period of the plan lifecycle take over
// (plans.Service.Lifecycle), and when Mollie says the mandate is invalid
// now, autopay is off. A chargeback (or a refund) is booked back on the
// invoices by checkout and reopens the instalments it had paid.
package autopay
