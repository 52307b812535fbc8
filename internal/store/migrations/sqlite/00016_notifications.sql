-- +goose Up
-- Notifications on every device (docs/notifications.md).

-- An agent's sounds per event ({"new_unassigned": "chime", …}), their volume (0–100) and the
-- language of the mail Parley sends them ("" until the inbox says which it shows).
ALTER TABLE user_settings ADD COLUMN sounds TEXT NOT NULL DEFAULT '{}';
ALTER TABLE user_settings ADD COLUMN volume INTEGER NOT NULL DEFAULT 70;
ALTER TABLE user_settings ADD COLUMN language TEXT NOT NULL DEFAULT '';

-- The company's settings an admin keeps for everyone (one row): in-app notifications on or off.
CREATE TABLE company_settings (
    singleton            INTEGER PRIMARY KEY CHECK (singleton = 1),
    in_app_notifications INTEGER NOT NULL DEFAULT 1,
    updated_at           BIGINT NOT NULL
);

-- The installation's keys for notifications (one row, made on first start): the VAPID key pair
-- web push is sent with (the private key sealed) and the key that signs one-click unsubscribe
-- links (sealed).
CREATE TABLE notify_keys (
    singleton       INTEGER PRIMARY KEY CHECK (singleton = 1),
    vapid_public    TEXT NOT NULL,
    vapid_private   TEXT NOT NULL,
    unsubscribe_key TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);

-- A browser's push subscription: one per device and agent. The auth secret is sealed.
CREATE TABLE push_subscriptions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    endpoint     TEXT NOT NULL UNIQUE,
    p256dh       TEXT NOT NULL,
    auth         TEXT NOT NULL,
    user_agent   TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    last_sent_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id);

-- What the notifications consumer last knew of a conversation: the last position it handled,
-- whether it was waiting in Unassigned then (to tell a new arrival from one more message), and the
-- last of the contact's entries already reported as a missed chat.
CREATE TABLE notify_conversations (
    conversation_id BIGINT PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
    position        BIGINT NOT NULL,
    unassigned      INTEGER NOT NULL,
    missed_seq      BIGINT NOT NULL DEFAULT 0
);

-- Emails to agents waiting for their batch: one row per agent, kind and log entry.
CREATE TABLE notify_emails (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id         BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind            TEXT NOT NULL,
    conversation_id BIGINT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    seq             BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    UNIQUE (user_id, kind, conversation_id, seq)
);
-- A batch whose job is scheduled, per agent and kind: the row exists exactly while its job does.
CREATE TABLE notify_batches (
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, kind)
);

-- One-time links: an invitation (sets the first password) or a password reset. Only the token's
-- SHA-256 is stored; used_at is set when it is spent.
CREATE TABLE account_tokens (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    expires_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX account_tokens_user ON account_tokens (user_id, purpose);

-- +goose Down
DROP TABLE account_tokens;
DROP TABLE notify_batches;
DROP TABLE notify_emails;
DROP TABLE notify_conversations;
DROP TABLE push_subscriptions;
DROP TABLE notify_keys;
DROP TABLE company_settings;
ALTER TABLE user_settings DROP COLUMN language;
ALTER TABLE user_settings DROP COLUMN volume;
ALTER TABLE user_settings DROP COLUMN sounds;
