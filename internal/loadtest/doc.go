// Package loadtest drives a running Settle over HTTP the way debtors do,
// and measures it: `settle loadtest` (README, Performance).
//
// Set-up signs in real sessions through the product's own door: for each
// of a sample of random debtors it issues a portal link (as the creditor's
// API would), enters through it (POST /l/{token}) and passes the step-up
// with the debtor's postcode. The portal limits link opens and step-up
// tries per client address, so on a loopback target every sign-in comes
// from its own loopback address (127.0.x.y); nothing is bypassed.
//
// Each scenario (dashboard, invoice page, statement, payment start) then
// runs on its own: Clients workers, each sending one request after
// another for a random signed-in debtor, for Warmup (not counted) and
// Duration (counted). Workers ask for gzip like a browser and read every
// body to the end without decompressing it, so the client spends as
// little CPU as it can on a machine it shares with the server.
//
// Alongside, the package can measure the database's own limit for the
// dashboard with pgbench -M prepared running the page's reference
// statements (the debtor row, its invoices, its balance) at the same
// concurrency, and report the page's throughput as a fraction of it.
package loadtest
