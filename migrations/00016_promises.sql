-- +goose Up
-- Promises to pay (issue 8): made in the portal too, one open promise per
-- debtor (a new one replaces the open one), a reminder the day before
-- (once), and kept or broken after the date.

-- Older data may hold several open promises of a debtor (calls logged
-- twice): the latest stays open.
UPDATE promises p SET status = 'cancelled'
    WHERE status = 'open' AND EXISTS (SELECT 1 FROM promises q WHERE q.creditor_id = p.creditor_id
        AND q.debtor_id = p.debtor_id AND q.status = 'open' AND q.id > p.id);

ALTER TABLE promises
    ADD COLUMN reminded_at timestamptz, -- the reminder the day before went out
    ADD COLUMN closed_at   timestamptz, -- kept, broken or cancelled
    ADD COLUMN replaced_by bigint REFERENCES promises (id); -- cancelled by a newer promise

-- One open promise per debtor; the lifecycle job reads the open ones.
CREATE UNIQUE INDEX promises_open_idx ON promises (creditor_id, debtor_id) WHERE status = 'open';
CREATE INDEX promises_open_due_idx ON promises (due_date) WHERE status = 'open';

-- +goose Down
DROP INDEX promises_open_due_idx;
DROP INDEX promises_open_idx;
ALTER TABLE promises DROP COLUMN replaced_by, DROP COLUMN closed_at, DROP COLUMN reminded_at;
