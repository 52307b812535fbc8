-- +goose Up
-- Channels (docs/email.md): email inboxes, the installation's own mail, and what a channel needs of
-- the conversation log.

-- A channel message's own id (an email's Message-ID) is unique per inbox, so one mail delivered twice
-- (a retry, a reconnect, two recipients of ours) is stored once. inbox_id is set on every entry that
-- has an external id; (external_id first) also finds a message by the id alone, as a reply's
-- In-Reply-To needs.
ALTER TABLE messages ADD COLUMN inbox_id BIGINT;
CREATE UNIQUE INDEX messages_external ON messages (external_id, inbox_id) WHERE external_id IS NOT NULL;
-- How a reply went out through a channel: queued, sent, delivered, read or failed, with the
-- channel's error; via names the channel when it is not the conversation's own (a website chat's
-- reply sent by email).
ALTER TABLE messages ADD COLUMN delivery TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN delivery_via TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN delivery_error TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN delivery_at BIGINT;

-- What a channel hid from a message and keeps viewable: an email's quoted history and signature
-- (the full original, masked like the message).
CREATE TABLE message_originals (
    message_id BIGINT PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
    text       TEXT NOT NULL DEFAULT '',
    html       TEXT NOT NULL DEFAULT ''
);

-- An email thread's latest subject; spam (DMARC failed, X-Spam-Flag) waits in the Spam view until
-- released; the reply token names the conversation in reply addresses (reply+TOKEN@domain).
ALTER TABLE conversations ADD COLUMN subject TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN spam INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN reply_token TEXT;
CREATE UNIQUE INDEX conversations_reply_token ON conversations (reply_token) WHERE reply_token IS NOT NULL;
CREATE INDEX conversations_spam ON conversations (spam, last_message_at) WHERE spam = 1;

-- Email inboxes: an address, SMTP to send through, and IMAP or Parley's own listener to receive.
-- Server settings are JSON; passwords are sealed with the secret key (internal/store/secrets.go).
CREATE TABLE email_inboxes (
    inbox_id      BIGINT PRIMARY KEY REFERENCES inboxes (id) ON DELETE CASCADE,
    address       TEXT NOT NULL,
    from_name     TEXT NOT NULL DEFAULT '',
    signature     TEXT NOT NULL DEFAULT '',
    receive       TEXT NOT NULL CHECK (receive IN ('imap', 'listener')),
    smtp          TEXT NOT NULL DEFAULT '{}',
    smtp_password TEXT NOT NULL DEFAULT '',
    imap          TEXT NOT NULL DEFAULT '{}',
    imap_password TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX email_inboxes_address ON email_inboxes (address);

-- The installation's own mail (one row): the relay and From address of mail that belongs to no
-- email inbox (follow-ups to website visitors, transcripts, agents' notifications), and how the
-- replies to it come back.
CREATE TABLE mail_settings (
    singleton     INTEGER PRIMARY KEY CHECK (singleton = 1),
    settings      TEXT NOT NULL DEFAULT '{}',
    smtp_password TEXT NOT NULL DEFAULT '',
    imap_password TEXT NOT NULL DEFAULT '',
    updated_at    BIGINT NOT NULL
);

-- A website's follow-up by email to a visitor who left, after a delay unless read in the widget;
-- the transcript sent when a chat closes; the email inbox to send them from (none: the
-- installation's mail).
ALTER TABLE websites ADD COLUMN email_inbox_id BIGINT REFERENCES inboxes (id) ON DELETE SET NULL;
ALTER TABLE websites ADD COLUMN follow_up INTEGER NOT NULL DEFAULT 1;
ALTER TABLE websites ADD COLUMN follow_up_delay INTEGER NOT NULL DEFAULT 120;
ALTER TABLE websites ADD COLUMN transcript_on_close INTEGER NOT NULL DEFAULT 0;

-- Where fetching stopped in an IMAP folder ("inbox:<id>" or "installation"), stored as each
-- message is taken.
CREATE TABLE imap_states (
    mailbox      TEXT NOT NULL,
    folder       TEXT NOT NULL,
    uid_validity BIGINT NOT NULL,
    last_uid     BIGINT NOT NULL,
    since        BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    PRIMARY KEY (mailbox, folder)
);

-- Work that runs on one node at a time for as long as it holds the lease (an IMAP watcher).
CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    until      BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE leases;
DROP TABLE imap_states;
ALTER TABLE websites DROP COLUMN transcript_on_close;
ALTER TABLE websites DROP COLUMN follow_up_delay;
ALTER TABLE websites DROP COLUMN follow_up;
ALTER TABLE websites DROP COLUMN email_inbox_id;
DROP TABLE mail_settings;
DROP TABLE email_inboxes;
DROP INDEX conversations_spam;
DROP INDEX conversations_reply_token;
ALTER TABLE conversations DROP COLUMN reply_token;
ALTER TABLE conversations DROP COLUMN spam;
ALTER TABLE conversations DROP COLUMN subject;
DROP TABLE message_originals;
ALTER TABLE messages DROP COLUMN delivery_at;
ALTER TABLE messages DROP COLUMN delivery_error;
ALTER TABLE messages DROP COLUMN delivery_via;
ALTER TABLE messages DROP COLUMN delivery;
DROP INDEX messages_external;
ALTER TABLE messages DROP COLUMN inbox_id;
