-- +goose Up
-- The foundation: tenants, their customers, invoices, the append-only
-- ledger, personal links, step-up codes, the message outbox, the shared
-- timeline and server-side rate limits.

CREATE TABLE creditors (
    id               bigserial PRIMARY KEY,
    slug             text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    name             text NOT NULL CHECK (name <> ''),
    legal_name       text NOT NULL DEFAULT '',
    address          text NOT NULL DEFAULT '',
    support_phone    text NOT NULL DEFAULT '',
    support_email    text NOT NULL DEFAULT '',
    support_hours    text NOT NULL DEFAULT '',
    legal_footer     text NOT NULL DEFAULT '',
    primary_color    text NOT NULL DEFAULT '#1f4f8f' CHECK (primary_color ~ '^#[0-9a-fA-F]{6}$'),
    accent_color     text NOT NULL DEFAULT '#0b7a4b' CHECK (accent_color ~ '^#[0-9a-fA-F]{6}$'),
    logo             bytea,
    logo_type        text NOT NULL DEFAULT '' CHECK (logo_type IN ('', 'image/svg+xml', 'image/png', 'image/jpeg')),
    default_language text NOT NULL DEFAULT 'de' CHECK (default_language ~ '^[a-z]{2}$'),
    timezone         text NOT NULL DEFAULT 'Europe/Berlin',
    currency         text NOT NULL DEFAULT 'EUR' CHECK (currency ~ '^[A-Z]{3}$'),
    stepup_method    text NOT NULL DEFAULT 'knowledge' CHECK (stepup_method IN ('none', 'knowledge', 'otp')),
    stepup_knowledge text NOT NULL DEFAULT 'postcode' CHECK (stepup_knowledge IN ('postcode', 'birth_date')),
    link_ttl         interval NOT NULL DEFAULT '30 days' CHECK (link_ttl > '0'::interval),
    created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE debtors (
    id                bigserial PRIMARY KEY,
    creditor_id       bigint NOT NULL REFERENCES creditors (id),
    customer_number   text NOT NULL CHECK (customer_number <> ''),
    kind              text NOT NULL DEFAULT 'consumer' CHECK (kind IN ('consumer', 'business')),
    name              text NOT NULL,
    email             text NOT NULL DEFAULT '',
    phone             text NOT NULL DEFAULT '',
    street            text NOT NULL DEFAULT '',
    postcode          text NOT NULL DEFAULT '',
    city              text NOT NULL DEFAULT '',
    country           text NOT NULL DEFAULT 'DE',
    birth_date        date,
    language          text NOT NULL DEFAULT '' CHECK (language = '' OR language ~ '^[a-z]{2}$'),
    preferred_channel text NOT NULL DEFAULT 'email' CHECK (preferred_channel IN ('email', 'sms', 'letter')),
    segment           text NOT NULL DEFAULT '',
    hardship          boolean NOT NULL DEFAULT false,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (creditor_id, customer_number),
    UNIQUE (creditor_id, id)
);

CREATE TABLE invoices (
    id          bigserial PRIMARY KEY,
    creditor_id bigint NOT NULL,
    debtor_id   bigint NOT NULL,
    number      text NOT NULL CHECK (number <> ''),
    issue_date  date NOT NULL,
    due_date    date NOT NULL,
    currency    text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    description text NOT NULL DEFAULT '',
    net_minor   bigint NOT NULL,
    tax_minor   bigint NOT NULL,
    total_minor bigint NOT NULL CHECK (total_minor = net_minor + tax_minor),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (creditor_id, debtor_id) REFERENCES debtors (creditor_id, id),
    UNIQUE (creditor_id, number),
    UNIQUE (creditor_id, debtor_id, id)
);
CREATE INDEX invoices_debtor_idx ON invoices (creditor_id, debtor_id, due_date);

CREATE TABLE invoice_lines (
    invoice_id       bigint NOT NULL REFERENCES invoices (id) ON DELETE CASCADE,
    position         int NOT NULL CHECK (position > 0),
    description      text NOT NULL,
    quantity_milli   bigint NOT NULL,
    unit_price_minor bigint NOT NULL,
    tax_rate_bp      int NOT NULL CHECK (tax_rate_bp BETWEEN 0 AND 10000),
    net_minor        bigint NOT NULL,
    tax_minor        bigint NOT NULL,
    total_minor      bigint NOT NULL CHECK (total_minor = net_minor + tax_minor),
    PRIMARY KEY (invoice_id, position)
);

-- The ledger is append-only: corrections are new entries (reversal,
-- credit note), never updates. Positive amounts increase what the debtor
-- owes.
CREATE TABLE ledger_entries (
    id           bigserial PRIMARY KEY,
    creditor_id  bigint NOT NULL,
    debtor_id    bigint NOT NULL,
    invoice_id   bigint,
    kind         text NOT NULL CHECK (kind IN ('invoice', 'payment', 'credit_note', 'fee', 'interest', 'refund', 'chargeback', 'write_off', 'reversal')),
    amount_minor bigint NOT NULL,
    currency     text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    value_date   date NOT NULL,
    reference    text NOT NULL DEFAULT '',
    booked_at    timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (creditor_id, debtor_id) REFERENCES debtors (creditor_id, id),
    FOREIGN KEY (creditor_id, debtor_id, invoice_id) REFERENCES invoices (creditor_id, debtor_id, id)
);
CREATE INDEX ledger_entries_invoice_idx ON ledger_entries (invoice_id) INCLUDE (amount_minor, kind);
CREATE INDEX ledger_entries_debtor_idx ON ledger_entries (creditor_id, debtor_id, value_date);

-- +goose StatementBegin
CREATE FUNCTION ledger_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger_entries is append-only: book a correcting entry instead';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only();

CREATE TABLE access_links (
    id           bigserial PRIMARY KEY,
    creditor_id  bigint NOT NULL,
    debtor_id    bigint NOT NULL,
    token_hash   bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    purpose      text NOT NULL DEFAULT 'portal' CHECK (purpose IN ('portal', 'document')),
    channel      text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    revoked_at   timestamptz,
    last_used_at timestamptz,
    use_count    int NOT NULL DEFAULT 0,
    FOREIGN KEY (creditor_id, debtor_id) REFERENCES debtors (creditor_id, id)
);
CREATE INDEX access_links_debtor_idx ON access_links (creditor_id, debtor_id);

-- Debtor sessions live in a signed, encrypted cookie; this table is their
-- server-side record, so that logout, a revoked link and the new id given
-- at step-up end a session for every copy of its cookie.
CREATE TABLE debtor_sessions (
    id_hash     bytea PRIMARY KEY CHECK (octet_length(id_hash) = 32),
    creditor_id bigint NOT NULL,
    debtor_id   bigint NOT NULL,
    link_id     bigint NOT NULL REFERENCES access_links (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    ended_at    timestamptz,
    FOREIGN KEY (creditor_id, debtor_id) REFERENCES debtors (creditor_id, id)
);
CREATE INDEX debtor_sessions_created_idx ON debtor_sessions (created_at);

CREATE TABLE otp_challenges (
    id           bigserial PRIMARY KEY,
    creditor_id  bigint NOT NULL,
    debtor_id    bigint NOT NULL,
    session_hash bytea NOT NULL,
    salt         bytea NOT NULL,
    code_hash    bytea NOT NULL,
    channel      text NOT NULL CHECK (channel IN ('email', 'sms')),
    attempts     int NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    used_at      timestamptz,
    FOREIGN KEY (creditor_id, debtor_id) REFERENCES debtors (creditor_id, id)
);
CREATE INDEX otp_challenges_session_idx ON otp_challenges (session_hash, created_at DESC);

-- The outbox of emails, SMS and letters. Delivery comes with the
-- integration work; until then messages wait here (and demo mode logs
-- them).
CREATE TABLE messages (
    id          bigserial PRIMARY KEY,
    creditor_id bigint NOT NULL REFERENCES creditors (id),
    debtor_id   bigint,
    channel     text NOT NULL CHECK (channel IN ('email', 'sms', 'letter')),
    recipient   text NOT NULL,
    subject     text NOT NULL DEFAULT '',
    body        text NOT NULL,
    purpose     text NOT NULL DEFAULT '',
    status      text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    sent_at     timestamptz,
    FOREIGN KEY (creditor_id, debtor_id) REFERENCES debtors (creditor_id, id)
);
CREATE INDEX messages_queued_idx ON messages (created_at) WHERE status = 'queued';

-- The timeline debtor and staff share.
CREATE TABLE interactions (
    id          bigserial PRIMARY KEY,
    creditor_id bigint NOT NULL,
    debtor_id   bigint NOT NULL,
    invoice_id  bigint REFERENCES invoices (id),
    kind        text NOT NULL,
    channel     text NOT NULL DEFAULT '',
    actor       text NOT NULL DEFAULT 'system',
    visibility  text NOT NULL DEFAULT 'customer' CHECK (visibility IN ('customer', 'internal')),
    data        jsonb NOT NULL DEFAULT '{}',
    occurred_at timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (creditor_id, debtor_id) REFERENCES debtors (creditor_id, id)
);
CREATE INDEX interactions_debtor_idx ON interactions (creditor_id, debtor_id, occurred_at DESC);

-- Fixed-window counters for rate limits, shared by every instance.
-- UNLOGGED: losing them in a crash only resets the windows.
CREATE UNLOGGED TABLE rate_limits (
    bucket       text NOT NULL,
    window_start timestamptz NOT NULL,
    hits         int NOT NULL DEFAULT 1,
    PRIMARY KEY (bucket, window_start)
);

-- +goose Down
DROP TABLE rate_limits, interactions, messages, otp_challenges, debtor_sessions, access_links;
DROP TRIGGER ledger_entries_append_only ON ledger_entries;
DROP TABLE ledger_entries;
DROP FUNCTION ledger_entries_append_only();
DROP TABLE invoice_lines, invoices, debtors, creditors;
