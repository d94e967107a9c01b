-- +goose Up
-- The back office's settings pages. A creditor's logo gets a version,
-- raised by every change of the logo: the logo's URL carries it, so
-- debtor pages show a new logo at once although browsers may keep the
-- old one for an hour.
ALTER TABLE creditors ADD COLUMN logo_version int NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE creditors DROP COLUMN logo_version;
