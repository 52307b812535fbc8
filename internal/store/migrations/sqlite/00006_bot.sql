-- +goose Up
-- Bot cards and the visitor's answers to them are log entries like any other (docs/widget-protocol.md
-- section 4): four more kinds. SQLite cannot alter a CHECK constraint, so the log table is rebuilt
-- (nothing references it).
CREATE TABLE messages_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq             BIGINT NOT NULL,
    sender_kind     TEXT NOT NULL CHECK (sender_kind IN ('visitor', 'agent', 'bot', 'system')),
    sender_id       BIGINT,
    kind            TEXT NOT NULL CHECK (kind IN ('text', 'rich', 'attachment', 'note', 'event', 'card', 'answer', 'capture', 'consent')),
    body            TEXT NOT NULL DEFAULT '',
    event           TEXT NOT NULL DEFAULT '{}',
    client_id       TEXT,
    external_id     TEXT,
    attachment_id   BIGINT,
    created_at      BIGINT NOT NULL,
    UNIQUE (conversation_id, seq)
);
INSERT INTO messages_new SELECT id, conversation_id, seq, sender_kind, sender_id, kind, body, event, client_id, external_id,
    attachment_id, created_at FROM messages;
DROP TABLE messages;
ALTER TABLE messages_new RENAME TO messages;
CREATE UNIQUE INDEX messages_client ON messages (conversation_id, client_id) WHERE client_id IS NOT NULL;

-- A conversation the bot holds alone: not yet in any agent's folder. It becomes an ordinary
-- conversation (in Unassigned) when the visitor reaches a live chat card or writes to a human.
ALTER TABLE conversations ADD COLUMN with_bot INTEGER NOT NULL DEFAULT 0;

-- Where a playbook stands in a conversation: the version it started on (edits never change a
-- running conversation), the card waiting for the visitor, and the live chat card's state.
CREATE TABLE bot_runs (
    conversation_id BIGINT PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
    playbook_id     BIGINT NOT NULL REFERENCES playbooks (id) ON DELETE CASCADE,
    version         INTEGER NOT NULL,
    awaiting        TEXT NOT NULL DEFAULT '',
    state           TEXT NOT NULL DEFAULT 'running',
    live_card       TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);

-- +goose Down
DROP TABLE bot_runs;
ALTER TABLE conversations DROP COLUMN with_bot;
DELETE FROM messages WHERE kind IN ('card', 'answer', 'capture', 'consent');
