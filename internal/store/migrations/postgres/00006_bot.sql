-- +goose Up
-- Bot cards and the visitor's answers to them are log entries like any other (docs/widget-protocol.md
-- section 4): four more kinds.
ALTER TABLE messages DROP CONSTRAINT messages_kind_check;
ALTER TABLE messages ADD CONSTRAINT messages_kind_check
    CHECK (kind IN ('text', 'rich', 'attachment', 'note', 'event', 'card', 'answer', 'capture', 'consent'));

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
ALTER TABLE messages DROP CONSTRAINT messages_kind_check;
ALTER TABLE messages ADD CONSTRAINT messages_kind_check CHECK (kind IN ('text', 'rich', 'attachment', 'note', 'event'));
