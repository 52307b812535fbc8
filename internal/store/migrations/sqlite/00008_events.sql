-- +goose Up
-- What a change causes, committed with it (docs/events.md). Every event takes its position from one
-- installation-wide counter inside the transaction that writes it, so positions are gapless and
-- follow commit order. A conversation's log entries are its events (messages.position); every other
-- event is a row of events.
CREATE TABLE event_counter (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    position BIGINT NOT NULL
);

ALTER TABLE messages ADD COLUMN position BIGINT;
-- Entries written before events existed take their id as their position (ids are unique and
-- ascending), and the counter goes on from there.
UPDATE messages SET position = id;
CREATE UNIQUE INDEX messages_position ON messages (position);
INSERT INTO event_counter (id, position) VALUES (1, (SELECT COALESCE(MAX(position), 0) FROM messages));

-- Events other than log entries. No foreign keys: an event outlives what it is about (a deleted
-- conversation's conversation.deleted).
CREATE TABLE events (
    position        BIGINT PRIMARY KEY,
    type            TEXT NOT NULL,
    inbox_id        BIGINT,
    conversation_id BIGINT,
    actor_id        BIGINT,
    data            TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX events_conversation ON events (conversation_id) WHERE conversation_id IS NOT NULL;

-- Durable consumers of the event log (search indexing, webhooks, notifications, ...): how far each
-- has got, and which node holds it (a lease, as jobs have).
CREATE TABLE event_consumers (
    name        TEXT PRIMARY KEY,
    position    BIGINT NOT NULL,
    locked_by   TEXT,
    lease_until BIGINT,
    updated_at  BIGINT NOT NULL
);

-- Jobs about a conversation name it, so deleting the conversation cancels them whatever their key.
ALTER TABLE jobs ADD COLUMN conversation_id BIGINT;
CREATE INDEX jobs_conversation ON jobs (conversation_id) WHERE conversation_id IS NOT NULL;

-- +goose Down
DROP INDEX jobs_conversation;
ALTER TABLE jobs DROP COLUMN conversation_id;
DROP TABLE event_consumers;
DROP TABLE events;
DROP INDEX messages_position;
ALTER TABLE messages DROP COLUMN position;
DROP TABLE event_counter;
