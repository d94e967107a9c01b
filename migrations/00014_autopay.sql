-- +goose Up
-- Autopay (issue 7): the charge job, the webhook path and the plan pages
-- look up a plan's payments (first payments and recurring charges).
CREATE INDEX payments_plan_idx ON payments (plan_id, instalment_seq) WHERE plan_id IS NOT NULL;

-- +goose Down
DROP INDEX payments_plan_idx;
