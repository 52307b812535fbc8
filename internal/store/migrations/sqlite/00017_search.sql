-- +goose Up
-- Find anything (docs/inbox.md, "Search"): full-text search, conversation tags, saved views.

-- The language an inbox's messages are stemmed in (en, de, nl, tr, hu).
ALTER TABLE inboxes ADD COLUMN language TEXT NOT NULL DEFAULT 'en';

-- A visitor's IP address as 32 hex digits (IPv4 mapped into IPv6), so an IP range (CIDR) is a
-- range of strings on both engines. Written in Go with the address.
ALTER TABLE visitors ADD COLUMN ip_key TEXT NOT NULL DEFAULT '';
CREATE INDEX visitors_ip_key ON visitors (ip_key);
CREATE INDEX visitors_country ON visitors (country);

-- What search finds: a message (its text stays in messages), a contact, a person, an
-- organisation, a lead or a deal, by kind and the id of its row. The words are analysed in Go
-- (internal/search): on SQLite an FTS5 table holds each document's folded words and their stems,
-- under the document's id; on PostgreSQL a tsvector column of search_docs does.
CREATE TABLE search_docs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT NOT NULL,
    ref_id          BIGINT NOT NULL,
    conversation_id BIGINT REFERENCES conversations (id) ON DELETE CASCADE,
    inbox_id        BIGINT,
    language        TEXT NOT NULL,
    title           TEXT NOT NULL DEFAULT '',
    body            TEXT NOT NULL DEFAULT '',
    at              BIGINT NOT NULL,
    UNIQUE (kind, ref_id)
);
CREATE INDEX search_docs_conversation ON search_docs (conversation_id);

-- kind holds the document's kind as one word, so a search for persons (say) is the words AND
-- kind : person, not every matching message filtered afterwards. A word's own form weighs more
-- than a stem in the ranking (bm25).
CREATE VIRTUAL TABLE search_fts USING fts5 (words, stems, kind, content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 0', prefix = '2 3');
INSERT INTO search_fts (search_fts, rank) VALUES ('rank', 'bm25(2.0, 1.0, 0.0)');

-- A document that goes (also with its conversation, by cascade) takes its words with it.
-- +goose StatementBegin
CREATE TRIGGER search_docs_gone AFTER DELETE ON search_docs BEGIN
    DELETE FROM search_fts WHERE rowid = old.id;
END;
-- +goose StatementEnd

-- Conversation tags: named, coloured by admins; name_key is the name folded in Go, unique.
CREATE TABLE tags (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL UNIQUE,
    color      TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE conversation_tags (
    conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    tag_id          BIGINT NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    created_by      BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (conversation_id, tag_id)
);
CREATE INDEX conversation_tags_tag ON conversation_tags (tag_id, conversation_id);

-- Saved views: a named set of filters (the list's query string), an agent's own (owner_id) or
-- shared with everyone (owner_id NULL, made by an admin).
CREATE TABLE saved_views (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL,
    owner_id   BIGINT REFERENCES users (id) ON DELETE CASCADE,
    filters    TEXT NOT NULL,
    position   INTEGER NOT NULL DEFAULT 0,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX saved_views_owner ON saved_views (owner_id);

-- Filtered lists: newest activity first across inboxes (a page stops after 50 rows), by when a
-- conversation was created or closed.
CREATE INDEX conversations_recent ON conversations (last_message_at, id);
CREATE INDEX conversations_created ON conversations (created_at);
CREATE INDEX conversations_closed ON conversations (closed_at);

-- What was there before is indexed by a job (search.index) once the server starts: the messages
-- come from the event log's consumer, which reads it from the start.
INSERT INTO jobs (kind, payload, unique_key, state, max_attempts, run_at, created_at, updated_at)
SELECT 'search.index', '{}', 'search.index', 'available', 20, 0, CAST(unixepoch('subsec') * 1000 AS INTEGER),
    CAST(unixepoch('subsec') * 1000 AS INTEGER)
WHERE EXISTS (SELECT 1 FROM contacts) OR EXISTS (SELECT 1 FROM persons) OR EXISTS (SELECT 1 FROM organizations)
    OR EXISTS (SELECT 1 FROM leads) OR EXISTS (SELECT 1 FROM deals);

-- +goose Down
DELETE FROM jobs WHERE kind = 'search.index';
DROP INDEX conversations_closed;
DROP INDEX conversations_created;
DROP INDEX conversations_recent;
DROP TABLE saved_views;
DROP TABLE conversation_tags;
DROP TABLE tags;
DROP TRIGGER search_docs_gone;
DROP TABLE search_fts;
DROP TABLE search_docs;
DROP INDEX visitors_country;
DROP INDEX visitors_ip_key;
ALTER TABLE visitors DROP COLUMN ip_key;
ALTER TABLE inboxes DROP COLUMN language;
