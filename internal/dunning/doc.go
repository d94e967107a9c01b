// Package dunning is the domain of Settle's dunning: policies made of
// stages, the calculator that says when each stage is due for an
// invoice, fees and default interest under German law, segments that
// pick a policy for a debtor, and stable assignment to experiment
// variants. Like internal/ar it holds types and rules only: no I/O, no
// clock (every function takes "now" or dates), no SQL. The engine built
// on it (set-based queries, the scheduler, the back office) feeds it
// plain structs and stores what it returns.
//
// # Policies and stages
//
// A Policy is an ordered list of Stages. A stage has a Kind (Nudge before
// the due date, Soft reminder, Reminder, Final notice, Handover), a
// trigger Offset in days relative to the due date (−3, 0, +7, +14, +28,
// +42), a Channel (email, SMS, letter, or the debtor's preferred channel
// with fallbacks), a Tone (friendly, neutral, firm), an optional fee and
// an optional Experiment whose variants change tone, channel or timing.
// Policy.Validate returns every problem at once as ar.Invalids with keys
// from locales/dunning.*.json. DefaultPolicies is the starting set:
// gentle, standard, hardship.
//
// # When a stage is due
//
// Timing (per creditor: time zone, business Calendar, send time, quiet
// hours) turns a policy and an Invoice into Steps: Schedule lists every
// stage's trigger, business-day date and UTC instant; Due says which one
// to carry out now. Dates are civil dates counted in whole days (adding
// days, never months), turned into an instant only at the end, in the
// creditor's zone, so DST switches and month ends need no special cases.
// The rules, in the order they apply, are documented on Timing.Schedule;
// in short: trigger → smart waiting (gentle stages only) → preferred day
// of month → next business day → strictly after the previous stage →
// local send time → out of quiet hours. Each rule only moves a date
// forward, so a stage never goes out before its trigger.
//
// Smart waiting: a debtor who reliably pays within L days of the due date
// (Invoice.LagDays, capped at MaxLagDays) is not reminded inside that
// lag. It affects only the gentle stages: a pre-due nudge is skipped, a
// soft reminder moves to due + L + 1 (or is skipped when that reaches the
// next stage). Reminders, the final notice and the hand-over keep their
// dates: they are the creditor's legal timeline.
//
// Due never goes back and never repeats: Invoice.Next is the first stage
// not yet done, and Due returns the latest stage from there whose instant
// has come (earlier ones are passed over).
//
// # Fees and interest
//
// FeeRules.Fee: no fee for the first reminder (it puts the debtor in
// default), consumer fees capped (2.50 EUR by default), the 40 EUR flat
// of § 288 (5) BGB once per invoice for businesses with reminder fees
// credited against it. FeeRules.DefaultInterest: base rate (the
// Basiszinssatz table, data with its sources) + 5 points for consumers,
// + 9 for businesses, actual/365 from the day after default began,
// split at rate changes, the exact sum rounded once to the cent, half up.
//
// # Segments and experiments
//
// Segmentation.Pick tries Rules in order on a debtor's Facts (kind,
// creditor's segment, hardship, open amount, payment behaviour,
// propensity score); the first match names the policy, else the default.
// Assign puts a debtor into an experiment variant by SHA-256 of the
// experiment id and debtor id, in proportion to the weights: the same
// answer in every run and process.
//
// # The engine
//
// Engine.RunCreditor carries the policies out for one creditor as of an
// instant (the job dunning.run every 15 minutes; settle dunning run
// [--creditor] [--dry-run] [--as-of DATE] from the shell):
//
//  1. Config (LoadConfig): the creditor's stored policies and Settings
//     (segments, fees and interest, send time, quiet hours, holidays,
//     frequency cap, payment deadline), the built-in ones where none are
//     stored.
//  2. Candidates: one set-based statement (store.DunningCandidates)
//     streams the open invoices due within the policies' lead time with
//     their holds, the stages done and the debtor's facts and behaviour,
//     grouped by debtor.
//  3. Per debtor: an open promise, staff's pause (through its last day)
//     and the hardship flag hold everything (with Settings.HardshipFlow
//     hardship cases go through the segments instead: by default to the
//     friendly hardship policy); the debtor's preferred day of the month
//     applies when the creditor offers the choice. Per invoice, a plan
//     or a dispute over all that is open holds it (a partial dispute
//     leaves the rest to dun). Segmentation picks the policy, Timing.Due
//     the stage; the channel is the stage's (or the debtor's preferred
//     one, then the fallbacks) that has an address on file, else the
//     action is recorded as skipped (no_address). Reminders work out
//     their fee and default interest. The invoices at one stage, tone and
//     channel share one message; an email or SMS within CapHours of the
//     last one waits for a later run.
//  4. Batches of DefaultBatch debtors, each in one transaction: the
//     invoices are read again (store.DunnableNow: paid, disputed, planned
//     or promised meanwhile drops them), the actions are claimed
//     (store.ClaimDunningActions: unique per invoice and stage, so two
//     runs at once send nothing twice; an advisory lock keeps runs for one
//     creditor from overlapping at all), and the messages with fresh
//     links, the fee and interest ledger entries and the timeline entries
//     are written in a few set-based statements (store.RecordDunningSends).
//     Hand-overs send no message; they emit the dunning.handover event.
//  5. Right before a message goes out, notify.Sender asks Engine.Check:
//     a reminder whose invoices were all settled since is cancelled.
//
// Message texts are message.dunning.<kind>.<tone>.<channel> (subject,
// email, sms, letter) in locales/dunning_messages.*.json; each action
// records the template's name and a hash of its wording. Letters wait in
// the outbox as to_print for the print-and-mail export. The nightly job
// dunning.behaviour computes each debtor's payment behaviour
// (store.ComputeDebtorBehaviour), which segments and smart waiting read.
package dunning
