-- +goose Up
-- Payment plans and deferrals (issue 7): each creditor's policy, the
-- plans with their invoices and instalments, and SEPA direct-debit
-- mandates for autopay.

-- A creditor's rules. No row: ar.DefaultPlanPolicy.
CREATE TABLE plan_policies (
    creditor_id            bigint PRIMARY KEY REFERENCES creditors (id),
    max_instalments        int NOT NULL CHECK (max_instalments BETWEEN 2 AND 60),
    min_instalment_minor   bigint NOT NULL CHECK (min_instalment_minor > 0),
    max_total_minor        bigint NOT NULL CHECK (max_total_minor > 0),
    max_deferral_days      int NOT NULL CHECK (max_deferral_days BETWEEN 1 AND 365),
    down_payment_bp        int NOT NULL DEFAULT 0 CHECK (down_payment_bp BETWEEN 0 AND 9000),
    fee_minor              bigint NOT NULL DEFAULT 0 CHECK (fee_minor >= 0),
    interest_bp            int NOT NULL DEFAULT 0 CHECK (interest_bp BETWEEN 0 AND 2500),
    no_broken_plan_months  int NOT NULL CHECK (no_broken_plan_months BETWEEN 0 AND 60),
    segments               text[] NOT NULL DEFAULT '{}', -- segments that qualify; empty: all
    auto_max_instalments   int NOT NULL CHECK (auto_max_instalments BETWEEN 0 AND 60),
    auto_max_total_minor   bigint NOT NULL CHECK (auto_max_total_minor >= 0),
    auto_max_deferral_days int NOT NULL CHECK (auto_max_deferral_days BETWEEN 0 AND 365),
    grace_days             int NOT NULL CHECK (grace_days BETWEEN 0 AND 60),
    updated_at             timestamptz NOT NULL DEFAULT now()
);

-- SEPA direct-debit mandates, made by a first payment at the provider.
CREATE TABLE mandates (
    id          bigserial PRIMARY KEY,
    creditor_id bigint NOT NULL,
    debtor_id   bigint NOT NULL,
    provider    text NOT NULL DEFAULT 'mollie',
    customer_id text NOT NULL,             -- the provider's customer (cst_…)
    mandate_id  text,                      -- the provider's mandate (mdt_…), once known
    status      text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'valid', 'invalid', 'revoked')),
    details     text NOT NULL DEFAULT '',  -- masked account, for display
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz,
    FOREIGN KEY (creditor_id, debtor_id) REFERENCES debtors (creditor_id, id)
);
CREATE UNIQUE INDEX mandates_live_idx ON mandates (creditor_id, debtor_id) WHERE status IN ('pending', 'valid');

CREATE TABLE payment_plans (
    id             bigserial PRIMARY KEY,
    public_id      text NOT NULL UNIQUE,
    creditor_id    bigint NOT NULL,
    debtor_id      bigint NOT NULL,
    kind           text NOT NULL CHECK (kind IN ('instalments', 'deferral')),
    status         text NOT NULL CHECK (status IN ('requested', 'offered', 'active', 'rejected', 'completed', 'broken', 'cancelled')),
    principal_minor bigint NOT NULL CHECK (principal_minor > 0),
    fee_minor      bigint NOT NULL DEFAULT 0,
    interest_minor bigint NOT NULL DEFAULT 0,
    total_minor    bigint NOT NULL CHECK (total_minor = principal_minor + fee_minor + interest_minor),
    currency       text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    day            int CHECK (day BETWEEN 1 AND 28),   -- instalments: day of the month
    reason         text NOT NULL DEFAULT '',           -- the debtor's words, when staff decide
    review_key     text NOT NULL DEFAULT '',           -- why staff decide (a translation key)
    decision_note  text NOT NULL DEFAULT '',           -- staff's reason, shown to the debtor
    autopay        boolean NOT NULL DEFAULT false,
    mandate_id     bigint REFERENCES mandates (id),
    replaces       bigint REFERENCES payment_plans (id), -- a counter-offer replaces a request
    created_by     bigint REFERENCES staff_users (id),   -- made by staff on the phone
    decided_by     bigint REFERENCES staff_users (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    decided_at     timestamptz,
    ended_at       timestamptz,
    end_reason     text NOT NULL DEFAULT '',
    FOREIGN KEY (creditor_id, debtor_id) REFERENCES debtors (creditor_id, id),
    UNIQUE (creditor_id, id)
);
CREATE INDEX payment_plans_debtor_idx ON payment_plans (creditor_id, debtor_id, created_at DESC);
CREATE INDEX payment_plans_active_idx ON payment_plans (creditor_id) WHERE status = 'active';

-- The invoices a plan covers. While the plan holds them (requested,
-- offered, active) no other plan may: the unique index is what makes
-- fifty simultaneous requests create exactly one plan.
CREATE TABLE plan_invoices (
    plan_id     bigint NOT NULL REFERENCES payment_plans (id),
    creditor_id bigint NOT NULL,
    invoice_id  bigint NOT NULL REFERENCES invoices (id),
    open_minor  bigint NOT NULL,          -- what was open when the plan was made
    held        boolean NOT NULL DEFAULT true,
    PRIMARY KEY (plan_id, invoice_id)
);
CREATE UNIQUE INDEX plan_invoices_held_idx ON plan_invoices (invoice_id) WHERE held;

CREATE TABLE plan_instalments (
    plan_id      bigint NOT NULL REFERENCES payment_plans (id),
    seq          int NOT NULL CHECK (seq > 0),
    due_date     date NOT NULL,
    amount_minor bigint NOT NULL CHECK (amount_minor > 0),
    paid_minor   bigint NOT NULL DEFAULT 0 CHECK (paid_minor >= 0 AND paid_minor <= amount_minor),
    reminded_at  timestamptz,
    PRIMARY KEY (plan_id, seq)
);
CREATE INDEX plan_instalments_due_idx ON plan_instalments (due_date) WHERE paid_minor < amount_minor;

-- Payments toward a plan, and autopay charges: a recurring charge names
-- its instalment, and one instalment never has two charges that are not
-- failed (the index is the guard against a job running twice).
ALTER TABLE payments
    ADD COLUMN plan_id bigint REFERENCES payment_plans (id),
    ADD COLUMN instalment_seq int,
    ADD COLUMN sequence_type text NOT NULL DEFAULT 'oneoff' CHECK (sequence_type IN ('oneoff', 'first', 'recurring'));
CREATE UNIQUE INDEX payments_instalment_charge_idx ON payments (plan_id, instalment_seq)
    WHERE sequence_type = 'recurring' AND status NOT IN ('failed', 'canceled', 'expired');

-- staff_tasks of kind plan_request name their plan in subject_id.

-- +goose Down
DROP INDEX payments_instalment_charge_idx;
ALTER TABLE payments DROP COLUMN plan_id, DROP COLUMN instalment_seq, DROP COLUMN sequence_type;
DROP TABLE plan_instalments, plan_invoices, payment_plans, mandates, plan_policies;
