package ar

import "time"

// PromiseWindow is the first and last date a promise to pay made today
// may name under a creditor's plan policy: from today up to the policy's
// longest deferral ahead (at least one day). A promise is a deferral the
// debtor keeps by themselves, so the portal (internal/promises) and the
// back office's call log (internal/backoffice) both bound it with this
// one window.
func PromiseWindow(today time.Time, p PlanPolicy) (first, last time.Time) {
	return today, today.AddDate(0, 0, max(p.MaxDeferralDays, 1))
}
