-- +goose Up
-- Payments as their own records (received outside Settle now, through
-- Mollie later), allocated to invoices by ledger entries that point back
-- to them; credit notes likewise. Service status learns when it became
-- restorable.
CREATE TABLE payments (
    id           bigserial PRIMARY KEY,
    public_id    text NOT NULL UNIQUE,
    creditor_id  bigint NOT NULL,
    debtor_id    bigint NOT NULL,
    method       text NOT NULL CHECK (method IN ('bank_transfer', 'external', 'card', 'direct_debit', 'other')),
    status       text NOT NULL DEFAULT 'paid' CHECK (status IN ('open', 'pending', 'paid', 'failed', 'canceled', 'expired', 'reversed')),
    amount_minor bigint NOT NULL CHECK (amount_minor > 0),
    currency     text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    value_date   date NOT NULL,
    reference    text NOT NULL DEFAULT '',
    external_id  text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (creditor_id, debtor_id) REFERENCES debtors (creditor_id, id),
    UNIQUE (creditor_id, external_id)
);
CREATE INDEX payments_debtor_idx ON payments (creditor_id, debtor_id, created_at);

CREATE TABLE credit_notes (
    id           bigserial PRIMARY KEY,
    creditor_id  bigint NOT NULL,
    debtor_id    bigint NOT NULL,
    number       text NOT NULL,
    invoice_id   bigint REFERENCES invoices (id),
    amount_minor bigint NOT NULL CHECK (amount_minor > 0),
    currency     text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    reason       text NOT NULL DEFAULT '',
    issue_date   date NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (creditor_id, debtor_id) REFERENCES debtors (creditor_id, id),
    UNIQUE (creditor_id, number)
);

ALTER TABLE ledger_entries
    ADD COLUMN payment_id bigint REFERENCES payments (id),
    ADD COLUMN credit_note_id bigint REFERENCES credit_notes (id);
CREATE INDEX ledger_entries_payment_idx ON ledger_entries (payment_id) WHERE payment_id IS NOT NULL;

ALTER TABLE debtors ADD COLUMN service_restorable_at timestamptz;

-- +goose Down
ALTER TABLE debtors DROP COLUMN service_restorable_at;
ALTER TABLE ledger_entries DROP COLUMN credit_note_id, DROP COLUMN payment_id;
DROP TABLE credit_notes, payments;
