-- +goose Up
-- Disputes (issue 8): the debtor says an invoice, or some of its lines,
-- is wrong; the disputed amount is held out of dunning while staff look
-- at it; debtor and staff write to each other with attachments.

-- The reasons a creditor offers, in order. No rows: ar.DefaultDisputeReasons.
-- A standard code (wrong_amount, not_received, already_paid,
-- cancelled_contract, other) is shown in the reader's language; a code
-- of the creditor's own carries its label.
CREATE TABLE dispute_reasons (
    creditor_id bigint NOT NULL REFERENCES creditors (id),
    code        text NOT NULL CHECK (code ~ '^[a-z][a-z0-9_]{0,39}$'),
    label       text NOT NULL DEFAULT '' CHECK (char_length(label) <= 200),
    position    int NOT NULL,
    PRIMARY KEY (creditor_id, code)
);

CREATE TABLE disputes (
    id              bigserial PRIMARY KEY,
    public_id       text NOT NULL UNIQUE,
    creditor_id     bigint NOT NULL,
    debtor_id       bigint NOT NULL,
    invoice_id      bigint NOT NULL,
    lines           int[] NOT NULL DEFAULT '{}',   -- invoice line positions; empty: the whole invoice
    reason          text NOT NULL CHECK (reason ~ '^[a-z][a-z0-9_]{0,39}$'),
    reason_label    text NOT NULL DEFAULT '',      -- a creditor's own reason: its label when chosen
    -- "Already paid": what the debtor says about the payment (all optional).
    paid_on         date,
    paid_minor      bigint CHECK (paid_minor > 0),
    paid_reference  text NOT NULL DEFAULT '' CHECK (char_length(paid_reference) <= 140),
    -- Held out of dunning while the dispute is live: the invoice's open
    -- amount, or the chosen lines' share of it (never more than was open).
    disputed_minor  bigint NOT NULL CHECK (disputed_minor >= 0),
    currency        text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    status          text NOT NULL DEFAULT 'open'
                    CHECK (status IN ('open', 'info_requested', 'accepted', 'rejected', 'withdrawn')),
    assisted_by     bigint REFERENCES staff_users (id), -- opened in assist mode
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    decided_at      timestamptz,
    decided_by      bigint REFERENCES staff_users (id),
    decision_note   text NOT NULL DEFAULT '',      -- staff's reason, shown to the debtor
    FOREIGN KEY (creditor_id, debtor_id, invoice_id) REFERENCES invoices (creditor_id, debtor_id, id),
    UNIQUE (creditor_id, id)
);
CREATE INDEX disputes_debtor_idx ON disputes (creditor_id, debtor_id, created_at DESC);
-- One live dispute per invoice: a second one adds to the first. The index
-- is also what makes two simultaneous submissions open exactly one.
CREATE UNIQUE INDEX disputes_live_idx ON disputes (invoice_id) WHERE status IN ('open', 'info_requested');

-- The conversation: the debtor's first words are its first message.
CREATE TABLE dispute_messages (
    id          bigserial PRIMARY KEY,
    creditor_id bigint NOT NULL,
    dispute_id  bigint NOT NULL,
    author      text NOT NULL CHECK (author IN ('debtor', 'staff')),
    staff_id    bigint REFERENCES staff_users (id), -- staff's, or the agent of an assisted session
    body        text NOT NULL CHECK (char_length(body) <= 4000),
    created_at  timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (creditor_id, dispute_id) REFERENCES disputes (creditor_id, id),
    CHECK (author <> 'staff' OR staff_id IS NOT NULL),
    UNIQUE (dispute_id, id)
);
CREATE INDEX dispute_messages_dispute_idx ON dispute_messages (dispute_id, created_at);

-- Attachments, checked by content (PDF, PNG, JPEG; images re-encoded
-- without their metadata) and stored here. The file name the browser
-- sent is display text only: it never names a file anywhere.
CREATE TABLE dispute_attachments (
    id          bigserial PRIMARY KEY,
    public_id   text NOT NULL UNIQUE,              -- in URLs (att_…): says nothing about how many there are
    creditor_id bigint NOT NULL,
    dispute_id  bigint NOT NULL,
    message_id  bigint,
    media_type  text NOT NULL CHECK (media_type IN ('application/pdf', 'image/png', 'image/jpeg')),
    size_bytes  int NOT NULL CHECK (size_bytes > 0 AND size_bytes <= 10485760),
    sha256      bytea NOT NULL CHECK (octet_length(sha256) = 32),
    content     bytea NOT NULL,
    file_name   text NOT NULL DEFAULT '' CHECK (char_length(file_name) <= 255),
    created_at  timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (creditor_id, dispute_id) REFERENCES disputes (creditor_id, id),
    FOREIGN KEY (dispute_id, message_id) REFERENCES dispute_messages (dispute_id, id),
    CHECK (octet_length(content) = size_bytes)
);
CREATE INDEX dispute_attachments_dispute_idx ON dispute_attachments (dispute_id, id);

-- staff_tasks of kind dispute name their dispute in subject_id.

-- +goose Down
DROP TABLE dispute_attachments, dispute_messages, disputes, dispute_reasons;
