// Package store is Settle's PostgreSQL storage: explicit SQL through sqlx
// and lib/pq. Every query that reads or changes a debtor's data names the
// creditor (and the debtor, where one applies) in its WHERE clause, so a
// wrong identifier finds nothing rather than someone else's data.
//
// Methods are named for what they return (Invoice, Invoices) or do
// (CreateInvoice). Missing rows come back as ar NotFound errors. InTx runs
// a function in one transaction with a Store bound to it.
//
// The debtor pages' hot queries (the session with its creditor,
// AccountOverview, Invoices, Invoice, Statement, LiveDispute) run as
// prepared statements outside transactions (prepared.go): one round trip
// each instead of lib/pq's two. TestHotQueriesUseIndexes checks their
// generic plans. A connection pooler in front of PostgreSQL must keep
// prepared statements per server connection (PgBouncer 1.21+ with
// max_prepared_statements, or session pooling).
//
// Reminder preferences and pauses for the dunning engine (issue 9):
// debtors.preferred_channel, language, reminder_day, hardship,
// dunning_paused_until/_note/_by and creditors.reminder_channels,
// reminder_day_choice are described in reminders.go; the engine reads
// them with DebtorReminders and DunningPause (Holds(today)).
package store
