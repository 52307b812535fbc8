-- +goose Up
-- Chatbot playbooks. A playbook row holds where and when it runs; what it shows lives in immutable
-- versions (flow and appearance as JSON documents), so a conversation keeps the version it started
-- on. A deleted playbook is only marked deleted: running conversations still read their version.
CREATE TABLE playbooks (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    website_id    BIGINT NOT NULL REFERENCES inboxes (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    active        INTEGER NOT NULL DEFAULT 0,
    priority      INTEGER NOT NULL DEFAULT 0,
    delay_seconds INTEGER NOT NULL DEFAULT 0,
    targeting     TEXT NOT NULL DEFAULT '[]',
    version       INTEGER NOT NULL,
    loaded_at     BIGINT,
    created_by    BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    deleted_at    BIGINT
);
CREATE INDEX playbooks_website ON playbooks (website_id);

CREATE TABLE playbook_versions (
    playbook_id BIGINT NOT NULL REFERENCES playbooks (id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,
    flow        TEXT NOT NULL,
    appearance  TEXT NOT NULL,
    created_by  BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (playbook_id, version)
);

-- +goose Down
DROP TABLE playbook_versions;
DROP TABLE playbooks;
