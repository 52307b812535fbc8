-- +goose Up
-- A website visitor gets a contact only once they say something or give details (issue 14): until
-- then visitors.contact_id is NULL, and a crawler or a script that starts sessions leaves at most
-- a visitor row. Nodes of the previous version fail to resume a visitor without a contact until
-- they are upgraded too (the widget retries).
ALTER TABLE visitors ALTER COLUMN contact_id DROP NOT NULL;
-- Visitors without a contact yet, oldest first: what the clean-up of abandoned ones reads.
CREATE INDEX visitors_anonymous ON visitors (last_seen) WHERE contact_id IS NULL;

-- +goose Down
DROP INDEX visitors_anonymous;
DELETE FROM visitors WHERE contact_id IS NULL;
ALTER TABLE visitors ALTER COLUMN contact_id SET NOT NULL;
