-- +goose Up
-- Creditor integration: API keys, the event outbox, idempotency records,
-- original invoice documents, service status and signed entry from the
-- creditor's own customer area.

CREATE TABLE api_keys (
    id           bigserial PRIMARY KEY,
    creditor_id  bigint NOT NULL REFERENCES creditors (id),
    name         text NOT NULL DEFAULT '',
    prefix       text NOT NULL,            -- the first characters, to recognise a key in lists
    key_hash     bytea NOT NULL UNIQUE CHECK (octet_length(key_hash) = 32),
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_keys_creditor_idx ON api_keys (creditor_id);

-- The transactional outbox: every state change a creditor cares about
-- inserts its event in the same transaction. public_id is the stable id
-- webhooks carry; debtor_seq orders a debtor's events.
ALTER TABLE debtors ADD COLUMN event_seq bigint NOT NULL DEFAULT 0;
CREATE TABLE events (
    id          bigserial PRIMARY KEY,
    public_id   text NOT NULL UNIQUE,
    creditor_id bigint NOT NULL REFERENCES creditors (id),
    debtor_id   bigint,
    debtor_seq  bigint,
    type        text NOT NULL CHECK (type ~ '^[a-z_]+\.[a-z_]+$'),
    data        jsonb NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (creditor_id, debtor_id) REFERENCES debtors (creditor_id, id)
);
CREATE INDEX events_creditor_idx ON events (creditor_id, id);

-- Idempotency-Key records of the API (Stripe's semantics), kept 24 hours.
CREATE TABLE idempotency_keys (
    creditor_id  bigint NOT NULL REFERENCES creditors (id),
    key          text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    method       text NOT NULL,
    path         text NOT NULL,
    request_hash bytea NOT NULL,
    status       int,
    response     bytea,
    created_at   timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz,
    PRIMARY KEY (creditor_id, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

-- The original invoice PDF a creditor uploads; debtors download it.
CREATE TABLE invoice_documents (
    invoice_id   bigint PRIMARY KEY REFERENCES invoices (id) ON DELETE CASCADE,
    creditor_id  bigint NOT NULL REFERENCES creditors (id),
    content      bytea NOT NULL,
    content_type text NOT NULL CHECK (content_type = 'application/pdf'),
    sha256       bytea NOT NULL,
    uploaded_at  timestamptz NOT NULL DEFAULT now()
);

-- What the creditor says about the debtor's service, and what restores it.
ALTER TABLE debtors
    ADD COLUMN service_status text NOT NULL DEFAULT 'active'
        CHECK (service_status IN ('active', 'restricted', 'suspended')),
    ADD COLUMN service_restore_minor bigint CHECK (service_restore_minor IS NULL OR service_restore_minor >= 0),
    ADD COLUMN service_note text NOT NULL DEFAULT '',
    ADD COLUMN service_changed_at timestamptz;

-- Signed entry from the creditor's customer area: a per-creditor secret
-- and the nonces already used (kept until they expire).
ALTER TABLE creditors ADD COLUMN entry_secret bytea;
CREATE TABLE entry_nonces (
    creditor_id bigint NOT NULL REFERENCES creditors (id),
    nonce       text NOT NULL,
    expires_at  timestamptz NOT NULL,
    PRIMARY KEY (creditor_id, nonce)
);

-- +goose Down
DROP TABLE entry_nonces;
ALTER TABLE creditors DROP COLUMN entry_secret;
ALTER TABLE debtors DROP COLUMN service_status, DROP COLUMN service_restore_minor,
    DROP COLUMN service_note, DROP COLUMN service_changed_at;
DROP TABLE invoice_documents, idempotency_keys, events, api_keys;
ALTER TABLE debtors DROP COLUMN event_seq;
