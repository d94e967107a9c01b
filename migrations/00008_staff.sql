-- +goose Up
-- Staff accounts (AR staff, call-centre agents, admins) and the audit log
-- of everything they do.
CREATE TABLE staff_users (
    id                 bigserial PRIMARY KEY,
    email              text NOT NULL CHECK (email = lower(email) AND email LIKE '%@%'),
    role               text NOT NULL CHECK (role IN ('admin', 'ar', 'agent')),
    creditor_id        bigint REFERENCES creditors (id), -- NULL: every creditor (an operator's admin)
    password_hash      text NOT NULL,
    totp_secret_sealed bytea,
    totp_required      boolean NOT NULL DEFAULT false,
    sessions_valid_after timestamptz NOT NULL DEFAULT '-infinity', -- "log out everywhere"
    created_at         timestamptz NOT NULL DEFAULT now(),
    last_login_at      timestamptz,
    disabled_at        timestamptz
);
CREATE UNIQUE INDEX staff_users_email_idx ON staff_users (email);

CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
    staff_id    bigint REFERENCES staff_users (id),
    creditor_id bigint REFERENCES creditors (id),
    action      text NOT NULL,
    subject     text NOT NULL DEFAULT '',
    before      jsonb,
    after       jsonb,
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_creditor_idx ON audit_log (creditor_id, at DESC);

-- +goose Down
DROP TABLE audit_log, staff_users;
