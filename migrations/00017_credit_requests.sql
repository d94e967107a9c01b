-- +goose Up
-- Credit requests (issue 9): "please credit me for the outage from 3 to
-- 7 May". A second kind of dispute case, so that it has the same
-- conversation, attachments, queue, decisions and notifications. A credit
-- request holds nothing out of dunning (disputed_minor is 0) and names
-- the amount the debtor has in mind, if any.
ALTER TABLE disputes
    ADD COLUMN kind text NOT NULL DEFAULT 'dispute' CHECK (kind IN ('dispute', 'credit_request')),
    ADD COLUMN requested_minor bigint CHECK (requested_minor > 0);

-- One live case of each kind per invoice: a dispute and a credit request
-- may be live on the same invoice at once (asking for a goodwill credit
-- must not stop the debtor from disputing the invoice, and the reverse);
-- a second case of the same kind adds to the first. Same name as before:
-- the store maps it to error.dispute.exists.
DROP INDEX disputes_live_idx;
CREATE UNIQUE INDEX disputes_live_idx ON disputes (invoice_id, kind) WHERE status IN ('open', 'info_requested');

-- +goose Down
DROP INDEX disputes_live_idx;
CREATE UNIQUE INDEX disputes_live_idx ON disputes (invoice_id) WHERE status IN ('open', 'info_requested');
ALTER TABLE disputes DROP COLUMN requested_minor, DROP COLUMN kind;
