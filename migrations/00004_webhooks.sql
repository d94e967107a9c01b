-- +goose Up
-- Outbound webhooks (Standard Webhooks 1.0): the endpoints a creditor
-- registers, one delivery per endpoint and event, and every attempt for
-- operators. A trigger on events creates an event's deliveries (one per
-- active endpoint of its creditor subscribed to its type) and their
-- webhook.deliver jobs in the transaction that inserts the event, so an
-- event and the scheduling of its deliveries commit together or not at
-- all, and a delivery starts without an intermediate dispatch job.

CREATE TABLE webhook_endpoints (
    id                    bigserial PRIMARY KEY,
    creditor_id           bigint NOT NULL REFERENCES creditors (id),
    url                   text NOT NULL CHECK (url ~ '^https?://' AND length(url) <= 2048),
    secret                text NOT NULL CHECK (secret LIKE 'whsec\_%'),
    -- After a rotation the old secret keeps signing (as a second
    -- signature) until previous_secret_until.
    previous_secret       text CHECK (previous_secret IS NULL OR previous_secret LIKE 'whsec\_%'),
    previous_secret_until timestamptz,
    event_types           text[] NOT NULL DEFAULT '{}', -- empty: every type
    disabled_at           timestamptz,
    disabled_reason       text NOT NULL DEFAULT '',
    created_at            timestamptz NOT NULL DEFAULT now(),
    UNIQUE (creditor_id, id)
);

CREATE TABLE webhook_deliveries (
    id           bigserial PRIMARY KEY,
    creditor_id  bigint NOT NULL REFERENCES creditors (id),
    endpoint_id  bigint NOT NULL,
    event_id     bigint NOT NULL REFERENCES events (id),
    state        text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'dead')),
    -- round counts replays: each round has its own deliver job, and a job
    -- of an earlier round stops without sending.
    round        int NOT NULL DEFAULT 1 CHECK (round > 0),
    attempts     int NOT NULL DEFAULT 0,
    last_status  int,
    last_error   text NOT NULL DEFAULT '',
    next_attempt_at timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    delivered_at timestamptz,
    FOREIGN KEY (creditor_id, endpoint_id) REFERENCES webhook_endpoints (creditor_id, id) ON DELETE CASCADE,
    UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (creditor_id, endpoint_id, id DESC);
CREATE INDEX webhook_deliveries_event_idx ON webhook_deliveries (event_id);

CREATE TABLE webhook_attempts (
    id           bigserial PRIMARY KEY,
    delivery_id  bigint NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempted_at timestamptz NOT NULL DEFAULT now(),
    status       int,                       -- NULL: no HTTP response
    error        text NOT NULL DEFAULT '',
    duration_ms  int NOT NULL DEFAULT 0
);
CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, id);

-- The job matches what hooks.enqueueDeliver enqueues: payload
-- {"delivery_id", "round"}, unique key webhook.deliver:<id>:<round> and
-- hooks.MaxAttempts (10) attempts. Endpoints are looked up by the
-- (creditor_id, id) index, so an event of a creditor without endpoints
-- costs one index probe.
-- +goose StatementBegin
CREATE FUNCTION events_enqueue_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH d AS (
        INSERT INTO webhook_deliveries (creditor_id, endpoint_id, event_id, created_at, next_attempt_at)
        SELECT e.creditor_id, e.id, NEW.id, now(), now()
        FROM webhook_endpoints e
        WHERE e.creditor_id = NEW.creditor_id AND e.disabled_at IS NULL
          AND (e.event_types = '{}' OR NEW.type = ANY (e.event_types))
        ORDER BY e.id
        ON CONFLICT (endpoint_id, event_id) DO NOTHING
        RETURNING id, round
    )
    INSERT INTO jobs (kind, payload, max_attempts, unique_key)
    SELECT 'webhook.deliver', jsonb_build_object('delivery_id', d.id, 'round', d.round), 10,
           'webhook.deliver:' || d.id || ':' || d.round
    FROM d ORDER BY d.id
    ON CONFLICT (unique_key) DO NOTHING;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER events_enqueue_deliveries AFTER INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION events_enqueue_deliveries();

-- +goose Down
DROP TRIGGER events_enqueue_deliveries ON events;
DROP FUNCTION events_enqueue_deliveries();
DROP TABLE webhook_attempts, webhook_deliveries, webhook_endpoints;
