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
//
// # Experiments report
//
// store.ExperimentOutcomes counts per experiment and variant over the
// actions (one invoice at the experiment's stage): reached (sent, the
// message neither failed nor cancelled), link opened (the message's
// fresh link used), paid within 7, 14 and 30 days (the invoice's
// balance came to zero by a payment valued within N days of the
// action's day; only actions at least N days old count), the amount
// paid on the invoices within 30 days and the disputes opened within 30
// days. Rates carry 95 % Wilson score intervals (Wilson); "paid within
// 14 days" of each variant is compared with the control (the first
// variant) by a pooled two-proportion z-test (TwoProportionP).
// EndExperiment promotes the winner into its stage (tone, channel,
// shift) and saves the policy as a new version; StartExperiment puts a
// new experiment on a stage.
//
// # Propensity to pay
//
// Engine.Propensity (the nightly job dunning.propensity) learns, per
// creditor, how likely a debtor is to pay without further action.
//
// Label: an invoice due 30 to 730 days ago is positive when payments
// settled it (its ledger balance reached zero) within 14 days after its
// due date, whatever reminders went out meanwhile.
//
// Features, computed for each training invoice as of its due date D
// from the debtor's earlier invoices only (due before D; paid means
// settled by a payment valued before D), so the model never sees the
// future; for scoring, D is today:
//
//   - share_late: of the earlier invoices paid before D or overdue by
//     more than 3 days at D, the share paid more than 3 days late or
//     still unpaid;
//   - avg_lag: mean days from due date to payment of those paid (each
//     clipped to −10…60; 0 without any);
//   - overdue: earlier invoices still unpaid at D;
//   - log_arrears: ln(1 + their invoice totals in major units);
//   - tenure_months: months since the first invoice was issued;
//   - months_punctual: months since the last late invoice fell due (or
//     since the first invoice);
//   - log_paid: ln(1 + invoices paid before D) (how much history there is);
//   - business: the debtor is a business;
//   - hardship: the hardship flag. Simplification: the flag as it is
//     now, not as of D (it has no history).
//
// Model: logistic regression on standardised features (means and scales
// of the training rows), batch gradient descent on the mean log loss
// with an L2 penalty (λ 0.01, step 0.5, 400 iterations, weights from
// zero: deterministic). One debtor in five (by a hash of the debtor's
// id, whole debtors) is held out; the AUC on the holdout (Mann-Whitney)
// is stored with the model (propensity_models) and shown to admins.
// With fewer than MinTrainingRows labelled rows no model is trained (the
// job logs it) and the last model, if any, keeps scoring. Scoring writes
// debtor_behaviour.propensity and the top three factors (weight ×
// standardised value, with the feature's translation key), which the
// debtor view shows in words; segment rules read the score
// (Rule.MinPropensity, MaxPropensity).
package dunning
