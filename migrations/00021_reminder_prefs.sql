-- +goose Up
-- Reminder preferences and pauses (issue 9): what the dunning engine reads
-- before it reminds a debtor.

-- The debtor's preferred day of the month for reminders and payment
-- ("around the 15th"); NULL: no preference. The channel is
-- debtors.preferred_channel and the language debtors.language, which
-- exist already.
ALTER TABLE debtors
    ADD COLUMN reminder_day smallint CHECK (reminder_day BETWEEN 1 AND 28),
    -- Staff's "pause reminders until": no reminders up to and including
    -- this civil date (in the creditor's time zone), with the reason and
    -- who set it.
    ADD COLUMN dunning_paused_until date,
    ADD COLUMN dunning_pause_note   text NOT NULL DEFAULT '',
    ADD COLUMN dunning_paused_by    bigint REFERENCES staff_users (id),
    ADD CONSTRAINT debtors_dunning_pause_note_check
        CHECK (dunning_paused_until IS NULL OR dunning_pause_note <> '');

-- What the creditor lets debtors choose: the channels (at least one of
-- email, sms, letter) and whether they may name a day of the month.
ALTER TABLE creditors
    ADD COLUMN reminder_channels text[] NOT NULL DEFAULT '{email,sms,letter}'
        CHECK (reminder_channels <@ ARRAY['email', 'sms', 'letter']::text[] AND cardinality(reminder_channels) >= 1),
    ADD COLUMN reminder_day_choice boolean NOT NULL DEFAULT true;

-- +goose Down
ALTER TABLE creditors DROP COLUMN reminder_day_choice, DROP COLUMN reminder_channels;
ALTER TABLE debtors DROP CONSTRAINT debtors_dunning_pause_note_check,
    DROP COLUMN dunning_paused_by, DROP COLUMN dunning_pause_note, DROP COLUMN dunning_paused_until,
    DROP COLUMN reminder_day;
