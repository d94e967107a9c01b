-- +goose Up
-- The dunning engine (issue 9): a creditor's policies and settings, what
-- the engine did per invoice and stage (the idempotency key), experiments
-- and the per-debtor payment behaviour the segments and the smart waiting
-- read.

-- A creditor's dunning policies, each a JSON document of dunning.Policy
-- (validated in Go). Without rows the built-in defaults apply.
CREATE TABLE dunning_policies (
    creditor_id bigint NOT NULL REFERENCES creditors (id),
    key         text NOT NULL CHECK (key ~ '^[a-z0-9][a-z0-9_-]{0,39}$'),
    version     int NOT NULL DEFAULT 1 CHECK (version > 0), -- raised by every change: actions record it
    definition  jsonb NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  bigint REFERENCES staff_users (id),
    PRIMARY KEY (creditor_id, key)
);

-- A creditor's dunning settings (segments, fees and interest, calendar,
-- quiet hours, frequency cap) as one JSON document of dunning.Settings.
-- No row: the defaults.
CREATE TABLE dunning_settings (
    creditor_id bigint PRIMARY KEY REFERENCES creditors (id),
    config      jsonb NOT NULL,
    version     int NOT NULL DEFAULT 1 CHECK (version > 0),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  bigint REFERENCES staff_users (id)
);

-- One engine run (scheduled or settle dunning run).
CREATE TABLE dunning_runs (
    id          bigserial PRIMARY KEY,
    creditor_id bigint NOT NULL REFERENCES creditors (id),
    as_of       timestamptz NOT NULL,
    dry_run     boolean NOT NULL DEFAULT false,
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    stats       jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX dunning_runs_creditor_idx ON dunning_runs (creditor_id, started_at DESC);

-- What the engine did for an invoice at a stage: at most once (the
-- unique key is what makes two runs at once send nothing twice). The
-- message goes out in the transaction that inserts the row.
CREATE TABLE dunning_actions (
    id             bigserial PRIMARY KEY,
    creditor_id    bigint NOT NULL,
    debtor_id      bigint NOT NULL,
    invoice_id     bigint NOT NULL,
    run_id         bigint REFERENCES dunning_runs (id),
    policy_key     text NOT NULL,
    policy_version int NOT NULL,
    stage          text NOT NULL,            -- the stage's key in the policy
    kind           text NOT NULL CHECK (kind IN ('nudge', 'soft', 'reminder', 'final', 'handover')),
    experiment     text NOT NULL DEFAULT '', -- the experiment's id, when the stage had one
    variant        text NOT NULL DEFAULT '',
    channel        text NOT NULL CHECK (channel IN ('email', 'sms', 'letter', 'none')),
    tone           text NOT NULL CHECK (tone IN ('friendly', 'neutral', 'firm')),
    template       text NOT NULL DEFAULT '', -- template name@version (a hash of its texts)
    open_minor     bigint NOT NULL,          -- what was open and not held when it went out
    fee_minor      bigint NOT NULL DEFAULT 0 CHECK (fee_minor >= 0),
    interest_minor bigint NOT NULL DEFAULT 0 CHECK (interest_minor >= 0),
    currency       text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    status         text NOT NULL CHECK (status IN ('sent', 'skipped')),
    skip_reason    text NOT NULL DEFAULT '', -- no address, …
    -- Set when the action is claimed; the message and link rows follow
    -- in the same transaction (hence deferred).
    message_id     bigint REFERENCES messages (id) DEFERRABLE INITIALLY DEFERRED,
    link_id        bigint REFERENCES access_links (id) DEFERRABLE INITIALLY DEFERRED,
    created_at     timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (creditor_id, debtor_id, invoice_id) REFERENCES invoices (creditor_id, debtor_id, id),
    UNIQUE (invoice_id, stage)
);
CREATE INDEX dunning_actions_debtor_idx ON dunning_actions (creditor_id, debtor_id, created_at DESC);
CREATE INDEX dunning_actions_experiment_idx ON dunning_actions (creditor_id, experiment, variant) WHERE experiment <> '';
CREATE INDEX dunning_actions_message_idx ON dunning_actions (message_id) WHERE message_id IS NOT NULL;

-- Fees the engine booked (ledger kind 'fee' / 'interest') point back at
-- their action.
ALTER TABLE ledger_entries ADD COLUMN dunning_action_id bigint REFERENCES dunning_actions (id);

-- Experiments a creditor ended, with the variant promoted (running ones
-- live in the policy's stages).
CREATE TABLE dunning_experiments (
    creditor_id bigint NOT NULL REFERENCES creditors (id),
    experiment  text NOT NULL,
    policy_key  text NOT NULL,
    stage       text NOT NULL,
    ended_at    timestamptz NOT NULL DEFAULT now(),
    ended_by    bigint REFERENCES staff_users (id),
    winner      text NOT NULL DEFAULT '',
    PRIMARY KEY (creditor_id, experiment)
);

-- How each debtor pays, computed nightly from the ledger (a derived
-- cache, not a balance): what segments and smart waiting read, and the
-- propensity-to-pay score with its top factors.
CREATE TABLE debtor_behaviour (
    creditor_id      bigint NOT NULL,
    debtor_id        bigint NOT NULL,
    computed_at      timestamptz NOT NULL,
    invoices_paid    int NOT NULL DEFAULT 0,  -- in the last two years
    paid_late        int NOT NULL DEFAULT 0,  -- of those, paid more than 3 days after due
    late_12m         int NOT NULL DEFAULT 0,  -- invoices paid late or overdue in the last 12 months
    usual_lag_days   int,                     -- 80th percentile of (paid on − due date) of the last 12 paid
    months_punctual  int NOT NULL DEFAULT 0,  -- since the last late payment (or the first invoice)
    tenure_months    int NOT NULL DEFAULT 0,  -- since the first invoice
    propensity       real CHECK (propensity BETWEEN 0 AND 1),
    factors          jsonb NOT NULL DEFAULT '[]',
    PRIMARY KEY (creditor_id, debtor_id),
    FOREIGN KEY (creditor_id, debtor_id) REFERENCES debtors (creditor_id, id)
);

-- The propensity model a creditor's nightly training produced.
CREATE TABLE propensity_models (
    id          bigserial PRIMARY KEY,
    creditor_id bigint NOT NULL REFERENCES creditors (id),
    trained_at  timestamptz NOT NULL DEFAULT now(),
    train_rows  int NOT NULL,
    holdout_rows int NOT NULL,
    auc         real,
    model       jsonb NOT NULL -- features, weights, scaling
);
CREATE INDEX propensity_models_creditor_idx ON propensity_models (creditor_id, trained_at DESC);

-- Two more message states: a dunning message whose invoices were paid
-- (or disputed, or put in a plan) before it went out is cancelled, not
-- sent; letters wait for the print-and-mail export.
ALTER TABLE messages DROP CONSTRAINT messages_status_check;
ALTER TABLE messages ADD CONSTRAINT messages_status_check
    CHECK (status IN ('queued', 'sent', 'failed', 'unsent', 'cancelled', 'to_print'));
CREATE INDEX messages_to_print_idx ON messages (creditor_id, id) WHERE status = 'to_print';

-- A run inserts messages and their jobs in batches of a thousand: the
-- delivery jobs are queued and the workers woken once per statement, not
-- once per row (same jobs, same notification).
DROP TRIGGER messages_enqueue_send ON messages;
-- +goose StatementBegin
CREATE FUNCTION messages_enqueue_send_batch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO jobs (kind, payload, max_attempts, unique_key)
    SELECT 'message.send', jsonb_build_object('message_id', n.id), 8, 'message.send:' || n.id
    FROM new_messages n WHERE n.status = 'queued'
    ON CONFLICT (unique_key) DO NOTHING;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER messages_enqueue_send AFTER INSERT ON messages REFERENCING NEW TABLE AS new_messages
    FOR EACH STATEMENT EXECUTE FUNCTION messages_enqueue_send_batch();

DROP TRIGGER jobs_notify ON jobs;
-- +goose StatementBegin
CREATE FUNCTION jobs_notify_batch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('settle_jobs', k.kind) FROM (SELECT DISTINCT kind FROM new_jobs WHERE state = 'pending') AS k;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER jobs_notify_insert AFTER INSERT ON jobs REFERENCING NEW TABLE AS new_jobs
    FOR EACH STATEMENT EXECUTE FUNCTION jobs_notify_batch();
CREATE TRIGGER jobs_notify_update AFTER UPDATE OF run_at, state ON jobs
    FOR EACH ROW WHEN (NEW.state = 'pending') EXECUTE FUNCTION jobs_notify();

-- +goose Down
DROP TRIGGER jobs_notify_update ON jobs;
DROP TRIGGER jobs_notify_insert ON jobs;
DROP FUNCTION jobs_notify_batch();
CREATE TRIGGER jobs_notify AFTER INSERT OR UPDATE OF run_at, state ON jobs
    FOR EACH ROW WHEN (NEW.state = 'pending') EXECUTE FUNCTION jobs_notify();
DROP TRIGGER messages_enqueue_send ON messages;
DROP FUNCTION messages_enqueue_send_batch();
CREATE TRIGGER messages_enqueue_send AFTER INSERT ON messages
    FOR EACH ROW WHEN (NEW.status = 'queued') EXECUTE FUNCTION messages_enqueue_send();
DROP INDEX messages_to_print_idx;
UPDATE messages SET status = 'unsent' WHERE status IN ('cancelled', 'to_print');
ALTER TABLE messages DROP CONSTRAINT messages_status_check;
ALTER TABLE messages ADD CONSTRAINT messages_status_check
    CHECK (status IN ('queued', 'sent', 'failed', 'unsent'));
DROP TABLE propensity_models, debtor_behaviour, dunning_experiments;
ALTER TABLE ledger_entries DROP COLUMN dunning_action_id;
DROP TABLE dunning_actions, dunning_runs, dunning_settings, dunning_policies;
