-- +goose Up
ALTER TABLE users ADD COLUMN availability INTEGER NOT NULL DEFAULT 1;

CREATE TABLE inbox_members (
    inbox_id   BIGINT NOT NULL REFERENCES inboxes (id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (inbox_id, user_id)
);
CREATE INDEX inbox_members_user ON inbox_members (user_id);

CREATE TABLE contacts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL DEFAULT '',
    email       TEXT NOT NULL DEFAULT '',
    phone       TEXT NOT NULL DEFAULT '',
    notes       TEXT NOT NULL DEFAULT '',
    tags        TEXT NOT NULL DEFAULT '[]',
    attributes  TEXT NOT NULL DEFAULT '{}',
    website_id  BIGINT REFERENCES inboxes (id) ON DELETE SET NULL,
    external_id TEXT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX contacts_external ON contacts (website_id, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX contacts_email ON contacts (email);

CREATE TABLE visitors (
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
    blocked_at      BIGINT
);
CREATE INDEX visitors_contact ON visitors (contact_id);

CREATE TABLE page_views (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    visitor_id BIGINT NOT NULL REFERENCES visitors (id) ON DELETE CASCADE,
    url        TEXT NOT NULL,
    title      TEXT NOT NULL DEFAULT '',
    at         BIGINT NOT NULL
);
CREATE INDEX page_views_visitor ON page_views (visitor_id, at);

CREATE TABLE blocked_ips (
    website_id BIGINT NOT NULL REFERENCES inboxes (id) ON DELETE CASCADE,
    ip         TEXT NOT NULL,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (website_id, ip)
);

CREATE TABLE consents (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    contact_id BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    text       TEXT NOT NULL,
    version    TEXT NOT NULL,
    given_at   BIGINT NOT NULL
);
CREATE INDEX consents_contact ON consents (contact_id);

CREATE TABLE conversations (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    inbox_id          BIGINT NOT NULL REFERENCES inboxes (id) ON DELETE CASCADE,
    contact_id        BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    visitor_id        BIGINT REFERENCES visitors (id) ON DELETE SET NULL,
    channel           TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    assignee_id       BIGINT REFERENCES users (id) ON DELETE SET NULL,
    team_id           BIGINT REFERENCES teams (id) ON DELETE SET NULL,
    last_seq          BIGINT NOT NULL DEFAULT 0,
    contact_read_seq  BIGINT NOT NULL DEFAULT 0,
    preview           TEXT NOT NULL DEFAULT '',
    rating            INTEGER,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    last_message_at   BIGINT NOT NULL,
    first_response_at BIGINT,
    joined_at         BIGINT,
    closed_at         BIGINT
);
CREATE INDEX conversations_folder ON conversations (inbox_id, status, assignee_id, last_message_at);
CREATE INDEX conversations_assignee ON conversations (assignee_id, status);
CREATE INDEX conversations_contact ON conversations (contact_id);
CREATE INDEX conversations_visitor ON conversations (visitor_id, status);

-- The conversation's log: every message, note and system event, numbered by seq without gaps.
CREATE TABLE messages (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq             BIGINT NOT NULL,
    sender_kind     TEXT NOT NULL CHECK (sender_kind IN ('visitor', 'agent', 'bot', 'system')),
    sender_id       BIGINT,
    kind            TEXT NOT NULL CHECK (kind IN ('text', 'rich', 'attachment', 'note', 'event')),
    body            TEXT NOT NULL DEFAULT '',
    event           TEXT NOT NULL DEFAULT '{}',
    client_id       TEXT,
    external_id     TEXT,
    attachment_id   BIGINT,
    created_at      BIGINT NOT NULL,
    UNIQUE (conversation_id, seq)
);
CREATE UNIQUE INDEX messages_client ON messages (conversation_id, client_id) WHERE client_id IS NOT NULL;

CREATE TABLE read_cursors (
    conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    user_id         BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    last_read_seq   BIGINT NOT NULL,
    PRIMARY KEY (conversation_id, user_id)
);

CREATE TABLE blobs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id BIGINT REFERENCES conversations (id) ON DELETE CASCADE,
    uploader        TEXT NOT NULL,
    name            TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    size            BIGINT NOT NULL,
    width           INTEGER,
    height          INTEGER,
    sha256          TEXT NOT NULL,
    data            BLOB NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX blobs_conversation ON blobs (conversation_id);
-- Quota checks and orphan cleanup read these without touching the (large) data column.
CREATE INDEX blobs_uploader ON blobs (uploader, created_at, size);
CREATE INDEX blobs_orphans ON blobs (created_at) WHERE conversation_id IS NULL;

-- +goose Down
DROP TABLE blobs;
DROP TABLE read_cursors;
DROP TABLE messages;
DROP TABLE conversations;
DROP TABLE consents;
DROP TABLE blocked_ips;
DROP TABLE page_views;
DROP TABLE visitors;
DROP TABLE contacts;
DROP TABLE inbox_members;
ALTER TABLE users DROP COLUMN availability;
