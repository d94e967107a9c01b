-- +goose Up
-- Delivery of the outbox (package notify): an HTML alternative for
-- emails, the delivery attempts and their last error, the provider's id
-- for a sent message, and the status 'unsent' for a message no provider is
-- configured for (it stays in the outbox, visible, and is not retried).
-- Inserting a queued message enqueues its 'message.send' job by trigger, in
-- the transaction that inserts the message: rolled back, neither exists.
-- Messages queued before this migration get no job.

ALTER TABLE messages
    ADD COLUMN html_body   text NOT NULL DEFAULT '',
    ADD COLUMN attempts    int NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    ADD COLUMN last_error  text NOT NULL DEFAULT '',
    ADD COLUMN provider_id text NOT NULL DEFAULT '';

ALTER TABLE messages DROP CONSTRAINT messages_status_check;
ALTER TABLE messages ADD CONSTRAINT messages_status_check
    CHECK (status IN ('queued', 'sent', 'failed', 'unsent'));

-- The operators' outbox view: a creditor's newest messages first.
CREATE INDEX messages_creditor_idx ON messages (creditor_id, id DESC);

-- +goose StatementBegin
CREATE FUNCTION messages_enqueue_send() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO jobs (kind, payload, max_attempts, unique_key)
    VALUES ('message.send', jsonb_build_object('message_id', NEW.id), 8, 'message.send:' || NEW.id)
    ON CONFLICT (unique_key) DO NOTHING;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER messages_enqueue_send AFTER INSERT ON messages
    FOR EACH ROW WHEN (NEW.status = 'queued') EXECUTE FUNCTION messages_enqueue_send();

-- +goose Down
DROP TRIGGER messages_enqueue_send ON messages;
DROP FUNCTION messages_enqueue_send();
DROP INDEX messages_creditor_idx;
UPDATE messages SET status = 'queued' WHERE status = 'unsent';
ALTER TABLE messages DROP CONSTRAINT messages_status_check;
ALTER TABLE messages ADD CONSTRAINT messages_status_check CHECK (status IN ('queued', 'sent', 'failed'));
ALTER TABLE messages DROP COLUMN html_body, DROP COLUMN attempts, DROP COLUMN last_error, DROP COLUMN provider_id;
