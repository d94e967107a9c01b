// Package seed generates a large, realistic data set for load tests,
// benchmarks and the dunning engine's training data: one creditor with
// N debtors and M monthly invoices each, booked on the ledger, most of
// them paid by each debtor's habit.
//
// Everything is set-based SQL (INSERT … SELECT over generate_series,
// computed inside PostgreSQL, nothing streamed through Go), in chunks
// of debtors spread over a few connections. The data is deterministic:
// the same options give the same rows (except serial ids and the
// timestamps of the load).
//
// What the rows look like:
//
//   - Debtors: German names from 65 first names and 110 surnames (with
//     umlauts and a few from elsewhere), emails derived from them, phone
//     numbers written four ways, about 8,000 postcodes, one debtor in 50
//     in Austria; one in ten a business; one in 200 flagged hardship; one
//     in eight writing English; a segment (residential, business,
//     young, senior) for segmentation rules; a preferred channel.
//   - A payment habit per debtor (Habit): most pay on time, some a few
//     days late, some weeks late, a few hardly ever. It decides when each
//     invoice was paid (a payment row and its ledger allocation on that
//     day) or whether it is still open on the as-of date.
//   - Invoices: M per debtor, one a month, the latest issued in the last
//     30 days before the as-of date, due 14 days after issue, one line
//     each with 19 % VAT, amounts between 10 and 210 EUR net.
//
// Generate refuses a creditor that does not exist; `settle seed` makes
// one. Customer numbers continue after the debtors already seeded at the
// creditor, so seeding twice adds debtors.
package seed
