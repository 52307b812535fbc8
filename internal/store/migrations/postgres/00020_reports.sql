-- +goose Up
-- Reports (docs/reports.md): one row of facts per conversation and one per bot card a conversation
-- showed, kept by the report consumer from the event log, so a month's report reads these rows,
-- never the messages. Exact percentiles need each conversation's own times, so nothing is sampled.
CREATE TABLE report_conversations (
    conversation_id   BIGINT PRIMARY KEY,
    inbox_id          BIGINT NOT NULL DEFAULT 0,
    channel           TEXT NOT NULL DEFAULT '',
    created_at        BIGINT NOT NULL DEFAULT 0,
    agent_id          BIGINT NOT NULL DEFAULT 0,
    team_id           BIGINT NOT NULL DEFAULT 0,
    first_contact_at  BIGINT,
    first_response_at BIGINT,
    responder_id      BIGINT NOT NULL DEFAULT 0,
    closed_at         BIGINT,
    reopened          INTEGER NOT NULL DEFAULT 0,
    rating            INTEGER,
    rating_comment    TEXT NOT NULL DEFAULT '',
    rated_at          BIGINT,
    playbook_id       BIGINT NOT NULL DEFAULT 0,
    playbook_version  INTEGER NOT NULL DEFAULT 0,
    lead              INTEGER NOT NULL DEFAULT 0,
    deal              INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX report_conversations_created ON report_conversations (created_at);
CREATE INDEX report_conversations_playbook ON report_conversations (playbook_id, playbook_version) WHERE playbook_id <> 0;

CREATE TABLE report_bot_cards (
    conversation_id  BIGINT NOT NULL,
    card_id          TEXT NOT NULL,
    playbook_id      BIGINT NOT NULL,
    playbook_version INTEGER NOT NULL,
    card_type        TEXT NOT NULL,
    seen_at          BIGINT NOT NULL,
    answered_at      BIGINT,
    live_state       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (conversation_id, card_id)
);
CREATE INDEX report_bot_cards_playbook ON report_bot_cards (playbook_id, playbook_version);

-- +goose Down
DROP TABLE report_bot_cards;
DROP TABLE report_conversations;
