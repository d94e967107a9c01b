-- +goose Up
-- Staged uploads (issue 8 follow-up): when a dispute form or a message is
-- refused (a wrong file, a missing reason, too many files), the files that
-- passed the content check are kept here, already checked and re-encoded,
-- so that the debtor does not have to choose them again. The form carries
-- their public ids; a successful submission moves them into
-- dispute_attachments in the same transaction as the dispute or message.
-- Only the debtor who staged a file can use it, and only until expires_at
-- (a day); the periodic job disputes.staged_sweep deletes expired rows.
CREATE TABLE dispute_uploads_staged (
    id          bigserial PRIMARY KEY,
    public_id   text NOT NULL UNIQUE,              -- upl_…: random, in the form
    creditor_id bigint NOT NULL,
    debtor_id   bigint NOT NULL,
    media_type  text NOT NULL CHECK (media_type IN ('application/pdf', 'image/png', 'image/jpeg')),
    size_bytes  int NOT NULL CHECK (size_bytes > 0 AND size_bytes <= 10485760),
    sha256      bytea NOT NULL CHECK (octet_length(sha256) = 32),
    content     bytea NOT NULL,
    file_name   text NOT NULL DEFAULT '' CHECK (char_length(file_name) <= 255),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    FOREIGN KEY (creditor_id, debtor_id) REFERENCES debtors (creditor_id, id),
    CHECK (octet_length(content) = size_bytes),
    CHECK (expires_at > created_at)
);
CREATE INDEX dispute_uploads_staged_debtor_idx ON dispute_uploads_staged (creditor_id, debtor_id, created_at);
CREATE INDEX dispute_uploads_staged_expires_idx ON dispute_uploads_staged (expires_at);

-- +goose Down
DROP TABLE dispute_uploads_staged;
