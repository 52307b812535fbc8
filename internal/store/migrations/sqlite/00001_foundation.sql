-- +goose Up
CREATE TABLE users (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    email          TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    avatar_url     TEXT NOT NULL DEFAULT '',
    time_zone      TEXT NOT NULL DEFAULT 'UTC',
    role           TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'agent')),
    password_hash  TEXT NOT NULL,
    deactivated_at BIGINT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);

CREATE TABLE teams (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE team_members (
    team_id    BIGINT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members (user_id);

CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash   TEXT NOT NULL UNIQUE,
    ip           TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    hint         TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE inboxes (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    kind          TEXT NOT NULL,
    name          TEXT NOT NULL,
    visibility    TEXT NOT NULL CHECK (visibility IN ('private', 'shared')),
    reopen_policy TEXT NOT NULL CHECK (reopen_policy IN ('final', 'reopen')),
    installer_id  BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);

CREATE TABLE websites (
    inbox_id        BIGINT PRIMARY KEY REFERENCES inboxes (id) ON DELETE CASCADE,
    public_key      TEXT NOT NULL UNIQUE,
    secret          TEXT NOT NULL,
    allowed_domains TEXT NOT NULL DEFAULT '[]',
    time_zone       TEXT NOT NULL DEFAULT 'UTC'
);

CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL DEFAULT '{}',
    unique_key   TEXT,
    state        TEXT NOT NULL CHECK (state IN ('available', 'running', 'completed', 'failed', 'cancelled')),
    attempt      INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    run_at       BIGINT NOT NULL,
    lease_until  BIGINT,
    locked_by    TEXT,
    errors       TEXT NOT NULL DEFAULT '[]',
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    finished_at  BIGINT
);
CREATE INDEX jobs_due ON jobs (state, run_at);
-- One pending job per (kind, unique key): e.g. one waiting timer per conversation.
CREATE UNIQUE INDEX jobs_unique_pending ON jobs (kind, unique_key)
    WHERE unique_key IS NOT NULL AND state IN ('available', 'running');

-- +goose Down
DROP TABLE jobs;
DROP TABLE websites;
DROP TABLE inboxes;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE team_members;
DROP TABLE teams;
DROP TABLE users;
