-- +goose Up
-- The back office: staff sessions and TOTP, one-box search (trigram and
-- normalised phone numbers), work queues (callbacks, payments needing
-- attention, and the frame disputes and plan requests plug into),
-- promises to pay, and who did what on the shared timeline.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Staff sessions: the cookie holds a random id, this table its hash, so
-- logout, "log out everywhere" and a disabled account end every copy.
-- mfa_pending: password checked, second factor (or its enrolment) not yet.
CREATE TABLE staff_sessions (
    id_hash     bytea PRIMARY KEY CHECK (octet_length(id_hash) = 32),
    staff_id    bigint NOT NULL REFERENCES staff_users (id),
    creditor_id bigint REFERENCES creditors (id), -- the creditor being worked on
    mfa_pending boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    seen_at     timestamptz NOT NULL DEFAULT now(),
    ended_at    timestamptz
);
CREATE INDEX staff_sessions_staff_idx ON staff_sessions (staff_id) WHERE ended_at IS NULL;

ALTER TABLE staff_users
    ADD COLUMN name text NOT NULL DEFAULT '',
    ADD COLUMN totp_confirmed_at timestamptz, -- enrolment finished
    ADD COLUMN totp_last_step bigint NOT NULL DEFAULT 0; -- a code is accepted once
-- 'epoch' rather than '-infinity': drivers read it as a time.
UPDATE staff_users SET sessions_valid_after = 'epoch' WHERE sessions_valid_after = '-infinity';
ALTER TABLE staff_users ALTER COLUMN sessions_valid_after SET DEFAULT 'epoch';

-- Phone numbers in E.164 for search and the call pop: separators go,
-- 00 becomes +, a national 0 becomes the country's code. One definition,
-- used by the generated column and by every search.
-- +goose StatementBegin
CREATE FUNCTION settle_e164(phone text, country text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN p = '' THEN ''
        WHEN p LIKE '+%' THEN '+' || replace(substr(p, 2), '+', '')
        WHEN p LIKE '00%' THEN '+' || substr(p, 3)
        WHEN p LIKE '0%' THEN '+' || CASE upper(country)
            WHEN 'DE' THEN '49' WHEN 'AT' THEN '43' WHEN 'CH' THEN '41' WHEN 'NL' THEN '31'
            WHEN 'BE' THEN '32' WHEN 'FR' THEN '33' WHEN 'LU' THEN '352' WHEN 'DK' THEN '45'
            WHEN 'PL' THEN '48' WHEN 'CZ' THEN '420' WHEN 'IT' THEN '39' WHEN 'ES' THEN '34'
            WHEN 'GB' THEN '44' WHEN 'IE' THEN '353' ELSE '49' END || substr(p, 2)
        ELSE p
    END
    -- "+49 (0) 151 …": the (0) is the national prefix written along; it goes.
    FROM (SELECT regexp_replace(replace(coalesce(phone, ''), '(0)', ''), '[^0-9+]', '', 'g') AS p) AS n
$$;
-- +goose StatementEnd

ALTER TABLE debtors ADD COLUMN phone_e164 text NOT NULL
    GENERATED ALWAYS AS (settle_e164(phone, country)) STORED;
CREATE INDEX debtors_phone_idx ON debtors (creditor_id, phone_e164) WHERE phone_e164 <> '';
CREATE INDEX debtors_postcode_idx ON debtors (creditor_id, postcode);
CREATE INDEX debtors_email_idx ON debtors (creditor_id, lower(email));
CREATE INDEX debtors_name_trgm_idx ON debtors USING gin (lower(name) gin_trgm_ops);
CREATE INDEX debtors_email_trgm_idx ON debtors USING gin (lower(email) gin_trgm_ops);

-- Work queues. A task is one piece of work for staff: the system files
-- overpayments and chargebacks, agents schedule callbacks, and disputes
-- and plan requests (subject_id points at them) file theirs. Each kind
-- has an SLA (ar.TaskSLA); staff assign tasks to themselves.
ALTER TABLE staff_tasks DROP CONSTRAINT staff_tasks_kind_check;
ALTER TABLE staff_tasks
    ADD CONSTRAINT staff_tasks_kind_check
        CHECK (kind IN ('overpayment', 'chargeback', 'callback', 'dispute', 'plan_request')),
    ADD COLUMN subject_id  bigint,          -- the dispute or plan request
    ADD COLUMN due_at      timestamptz,     -- callbacks: when to call
    ADD COLUMN note        text NOT NULL DEFAULT '',
    ADD COLUMN assigned_to bigint REFERENCES staff_users (id),
    ADD COLUMN created_by  bigint REFERENCES staff_users (id),
    ADD COLUMN done_by     bigint REFERENCES staff_users (id);
CREATE INDEX staff_tasks_kind_idx ON staff_tasks (creditor_id, kind, created_at) WHERE done_at IS NULL;

-- Promises to pay: made on the phone now, in the portal later. Dunning
-- waits for the date; a broken promise is recorded.
CREATE TABLE promises (
    id           bigserial PRIMARY KEY,
    creditor_id  bigint NOT NULL,
    debtor_id    bigint NOT NULL,
    amount_minor bigint NOT NULL CHECK (amount_minor > 0),
    currency     text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    due_date     date NOT NULL,
    status       text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'kept', 'broken', 'cancelled')),
    source       text NOT NULL DEFAULT 'call' CHECK (source IN ('call', 'portal')),
    staff_id     bigint REFERENCES staff_users (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (creditor_id, debtor_id) REFERENCES debtors (creditor_id, id)
);
CREATE INDEX promises_debtor_idx ON promises (creditor_id, debtor_id, due_date);

-- Who did it: staff entries on the timeline name the staff member, and
-- assisted portal sessions (an agent walking the debtor through on the
-- phone) are marked, so everything done in them says so.
ALTER TABLE interactions ADD COLUMN staff_id bigint REFERENCES staff_users (id);
ALTER TABLE debtor_sessions ADD COLUMN assisted_by bigint REFERENCES staff_users (id);

-- The dashboard reads the timeline by kind and time.
CREATE INDEX interactions_kind_idx ON interactions (creditor_id, kind, occurred_at);

-- +goose Down
DROP INDEX interactions_kind_idx;
ALTER TABLE debtor_sessions DROP COLUMN assisted_by;
ALTER TABLE interactions DROP COLUMN staff_id;
DROP TABLE promises;
DROP INDEX staff_tasks_kind_idx;
ALTER TABLE staff_tasks DROP CONSTRAINT staff_tasks_kind_check;
ALTER TABLE staff_tasks DROP COLUMN subject_id, DROP COLUMN due_at, DROP COLUMN note,
    DROP COLUMN assigned_to, DROP COLUMN created_by, DROP COLUMN done_by;
ALTER TABLE staff_tasks ADD CONSTRAINT staff_tasks_kind_check CHECK (kind IN ('overpayment'));
DROP INDEX debtors_email_trgm_idx, debtors_name_trgm_idx, debtors_email_idx, debtors_postcode_idx, debtors_phone_idx;
ALTER TABLE debtors DROP COLUMN phone_e164;
DROP FUNCTION settle_e164(text, text);
ALTER TABLE staff_users DROP COLUMN name, DROP COLUMN totp_confirmed_at, DROP COLUMN totp_last_step;
DROP TABLE staff_sessions;
