-- +goose NO TRANSACTION
-- +goose Up
-- A website visitor gets a contact only once they say something or give details (issue 14): until
-- then visitors.contact_id is NULL, and a crawler or a script that starts sessions leaves at most
-- a visitor row. SQLite cannot drop a NOT NULL, so the table is rebuilt the way SQLite documents
-- (https://sqlite.org/lang_altertable.html#otheralter): with foreign keys off on this connection,
-- so dropping the old table neither deletes page views nor detaches conversations, in one
-- transaction. Nodes of the previous version fail to resume a visitor
-- without a contact until they are upgraded too (the widget retries).
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE visitors_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    website_id      BIGINT NOT NULL REFERENCES inboxes (id) ON DELETE CASCADE,
    contact_id      BIGINT REFERENCES contacts (id) ON DELETE CASCADE,
    token_hash      TEXT NOT NULL UNIQUE,
    user_agent      TEXT NOT NULL DEFAULT '',
    os              TEXT NOT NULL DEFAULT '',
    browser         TEXT NOT NULL DEFAULT '',
    ip              TEXT NOT NULL DEFAULT '',
    country         TEXT NOT NULL DEFAULT '',
    referrer        TEXT NOT NULL DEFAULT '',
    locale          TEXT NOT NULL DEFAULT '',
    first_seen      BIGINT NOT NULL,
    last_seen       BIGINT NOT NULL,
    blocked_at      BIGINT,
    ip_key          TEXT NOT NULL DEFAULT ''     -- 00017_search: the address as a filter compares it
);
INSERT INTO visitors_new (id, website_id, contact_id, token_hash, user_agent, os, browser, ip, country, referrer, locale,
    first_seen, last_seen, blocked_at, ip_key)
    SELECT id, website_id, contact_id, token_hash, user_agent, os, browser, ip, country, referrer, locale,
    first_seen, last_seen, blocked_at, ip_key FROM visitors;
DROP TABLE visitors;
ALTER TABLE visitors_new RENAME TO visitors;
CREATE INDEX visitors_contact ON visitors (contact_id);
CREATE INDEX visitors_ip_key ON visitors (ip_key);
CREATE INDEX visitors_country ON visitors (country);
-- Visitors without a contact yet, oldest first: what the clean-up of abandoned ones reads.
CREATE INDEX visitors_anonymous ON visitors (last_seen) WHERE contact_id IS NULL;
COMMIT;
PRAGMA foreign_keys = ON;

-- +goose Down
PRAGMA foreign_keys = OFF;
BEGIN;
DELETE FROM page_views WHERE visitor_id IN (SELECT id FROM visitors WHERE contact_id IS NULL);
DELETE FROM visitors WHERE contact_id IS NULL;
CREATE TABLE visitors_old (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    website_id      BIGINT NOT NULL REFERENCES inboxes (id) ON DELETE CASCADE,
    contact_id      BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    token_hash      TEXT NOT NULL UNIQUE,
    user_agent      TEXT NOT NULL DEFAULT '',
    os              TEXT NOT NULL DEFAULT '',
    browser         TEXT NOT NULL DEFAULT '',
    ip              TEXT NOT NULL DEFAULT '',
    country         TEXT NOT NULL DEFAULT '',
    referrer        TEXT NOT NULL DEFAULT '',
    locale          TEXT NOT NULL DEFAULT '',
    first_seen      BIGINT NOT NULL,
    last_seen       BIGINT NOT NULL,
    blocked_at      BIGINT,
    ip_key          TEXT NOT NULL DEFAULT ''
);
INSERT INTO visitors_old SELECT id, website_id, contact_id, token_hash, user_agent, os, browser, ip, country, referrer, locale,
    first_seen, last_seen, blocked_at, ip_key FROM visitors;
DROP TABLE visitors;
ALTER TABLE visitors_old RENAME TO visitors;
CREATE INDEX visitors_contact ON visitors (contact_id);
CREATE INDEX visitors_ip_key ON visitors (ip_key);
CREATE INDEX visitors_country ON visitors (country);
COMMIT;
PRAGMA foreign_keys = ON;
