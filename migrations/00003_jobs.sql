-- +goose Up
-- A durable job queue: claimed with FOR UPDATE SKIP LOCKED, woken with
-- NOTIFY settle_jobs, retried with backoff, dead-lettered after its last
-- attempt.
CREATE TABLE jobs (
    id           bigserial PRIMARY KEY,
    kind         text NOT NULL CHECK (kind ~ '^[a-z_.]+$'),
    payload      jsonb NOT NULL DEFAULT '{}',
    state        text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'running', 'done', 'dead')),
    attempts     int NOT NULL DEFAULT 0,
    max_attempts int NOT NULL DEFAULT 10 CHECK (max_attempts > 0),
    run_at       timestamptz NOT NULL DEFAULT now(),
    locked_at    timestamptz,
    locked_by    text,
    last_error   text NOT NULL DEFAULT '',
    unique_key   text UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz
);
-- The claim looks for due jobs per kind, oldest run_at first.
CREATE INDEX jobs_ready_idx ON jobs (kind, run_at, id) WHERE state = 'pending';
CREATE INDEX jobs_running_idx ON jobs (locked_at) WHERE state = 'running';
CREATE INDEX jobs_dead_idx ON jobs (kind, finished_at) WHERE state = 'dead';

-- +goose StatementBegin
CREATE FUNCTION jobs_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('settle_jobs', NEW.kind);
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER jobs_notify AFTER INSERT OR UPDATE OF run_at, state ON jobs
    FOR EACH ROW WHEN (NEW.state = 'pending') EXECUTE FUNCTION jobs_notify();

-- +goose Down
DROP TRIGGER jobs_notify ON jobs;
DROP FUNCTION jobs_notify();
DROP TABLE jobs;
