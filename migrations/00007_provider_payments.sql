-- +goose Up
-- Payments made in the portal through Mollie: the provider's id and
-- checkout, the debtor's choice of invoices, refunds and chargebacks, the
-- reconciler's schedule, and the inbox of Mollie webhooks. Creditors get
-- bank details for transfers and an encrypted Mollie key.
ALTER TABLE creditors
    ADD COLUMN mollie_key_sealed bytea,
    ADD COLUMN logo_print bytea, -- PNG of the logo for PDFs (they draw raster images only)
    ADD COLUMN bank_holder text NOT NULL DEFAULT '',
    ADD COLUMN bank_iban text NOT NULL DEFAULT '',
    ADD COLUMN bank_bic text NOT NULL DEFAULT '';

ALTER TABLE payments DROP CONSTRAINT payments_method_check;
ALTER TABLE payments
    ADD CONSTRAINT payments_method_check CHECK (method ~ '^[a-z_]{1,32}$'),
    ADD COLUMN provider text CHECK (provider IN ('mollie')),
    ADD COLUMN provider_id text,
    ADD COLUMN checkout_url text NOT NULL DEFAULT '',
    ADD COLUMN requested jsonb NOT NULL DEFAULT '[]', -- the invoices the debtor chose, in order
    ADD COLUMN refunded_minor bigint NOT NULL DEFAULT 0,
    ADD COLUMN charged_back_minor bigint NOT NULL DEFAULT 0,
    ADD COLUMN paid_at timestamptz,
    ADD COLUMN expires_at timestamptz,
    ADD COLUMN next_check_at timestamptz,
    ADD COLUMN checks int NOT NULL DEFAULT 0,
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
CREATE UNIQUE INDEX payments_provider_idx ON payments (provider, provider_id) WHERE provider_id IS NOT NULL;
CREATE INDEX payments_check_idx ON payments (next_check_at) WHERE next_check_at IS NOT NULL;

-- Mollie's webhook only says "look at tr_…": it is stored at once and a
-- job fetches the payment.
CREATE TABLE mollie_webhooks (
    id          bigserial PRIMARY KEY,
    provider_id text NOT NULL CHECK (length(provider_id) BETWEEN 1 AND 64),
    received_at timestamptz NOT NULL DEFAULT now()
);

-- +goose StatementBegin
CREATE FUNCTION mollie_webhooks_enqueue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO jobs (kind, payload, max_attempts)
    VALUES ('mollie.webhook', jsonb_build_object('webhook_id', NEW.id, 'provider_id', NEW.provider_id), 12);
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER mollie_webhooks_enqueue AFTER INSERT ON mollie_webhooks
    FOR EACH ROW EXECUTE FUNCTION mollie_webhooks_enqueue();

-- Work for AR staff that the system found (the back office lists it):
-- money that could not be allocated (an overpayment, two channels paying
-- the same invoices) must never be silently lost.
CREATE TABLE staff_tasks (
    id           bigserial PRIMARY KEY,
    creditor_id  bigint NOT NULL,
    debtor_id    bigint NOT NULL,
    kind         text NOT NULL CHECK (kind IN ('overpayment')),
    payment_id   bigint REFERENCES payments (id),
    amount_minor bigint NOT NULL DEFAULT 0,
    currency     text NOT NULL DEFAULT 'EUR',
    created_at   timestamptz NOT NULL DEFAULT now(),
    done_at      timestamptz,
    FOREIGN KEY (creditor_id, debtor_id) REFERENCES debtors (creditor_id, id)
);
CREATE INDEX staff_tasks_open_idx ON staff_tasks (creditor_id, created_at) WHERE done_at IS NULL;

-- +goose Down
DROP TABLE staff_tasks;
DROP TRIGGER mollie_webhooks_enqueue ON mollie_webhooks;
DROP FUNCTION mollie_webhooks_enqueue();
DROP TABLE mollie_webhooks;
DROP INDEX payments_check_idx;
DROP INDEX payments_provider_idx;
ALTER TABLE payments DROP COLUMN provider, DROP COLUMN provider_id, DROP COLUMN checkout_url,
    DROP COLUMN requested, DROP COLUMN refunded_minor, DROP COLUMN charged_back_minor,
    DROP COLUMN paid_at, DROP COLUMN expires_at, DROP COLUMN next_check_at, DROP COLUMN checks,
    DROP COLUMN updated_at;
ALTER TABLE payments DROP CONSTRAINT payments_method_check;
ALTER TABLE payments ADD CONSTRAINT payments_method_check
    CHECK (method IN ('bank_transfer', 'external', 'card', 'direct_debit', 'other'));
ALTER TABLE creditors DROP COLUMN mollie_key_sealed, DROP COLUMN logo_print, DROP COLUMN bank_holder, DROP COLUMN bank_iban, DROP COLUMN bank_bic;
