// Package store is Settle's PostgreSQL storage: explicit SQL through sqlx
// and lib/pq. Every query that reads or changes a debtor's data names the
// creditor (and the debtor, where one applies) in its WHERE clause, so a
// wrong identifier finds nothing rather than someone else's data.
//
// Methods are named for what they return (Invoice, Invoices) or do
// (CreateInvoice). Missing rows come back as ar NotFound errors. InTx runs
// a function in one transaction with a Store bound to it.
//
// Reminder preferences and pauses for the dunning engine (issue 9):
// debtors.preferred_channel, language, reminder_day, hardship,
// dunning_paused_until/_note/_by and creditors.reminder_channels,
// reminder_day_choice are described in reminders.go; the engine reads
// them with DebtorReminders and DunningPause (Holds(today)).
package store
