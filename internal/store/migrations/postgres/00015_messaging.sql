-- +goose Up
-- Messenger and WhatsApp (docs/channels.md): a connected Facebook Page, a WhatsApp sender through
-- Twilio, and the people channels know by their own ids. Tokens and secrets are sealed with the
-- secret key (internal/store/secrets.go).

-- A Facebook Page connected as an inbox. page_id is unique: one Page is one inbox. human_agent: the
-- Page may use the HUMAN_AGENT message tag (replies up to 7 days after the person's last message);
-- profiles: fetch people's names and pictures from the profile API.
CREATE TABLE messenger_inboxes (
    inbox_id     BIGINT PRIMARY KEY REFERENCES inboxes (id) ON DELETE CASCADE,
    page_id      TEXT NOT NULL,
    page_name    TEXT NOT NULL DEFAULT '',
    access_token TEXT NOT NULL,
    app_secret   TEXT NOT NULL,
    verify_token TEXT NOT NULL,
    human_agent  INTEGER NOT NULL DEFAULT 0,
    profiles     INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX messenger_inboxes_page ON messenger_inboxes (page_id);

-- A WhatsApp sender through Twilio: the account, its auth token (which signs Twilio's webhooks), an
-- optional API key for the REST calls, and the sender number (whatsapp:+E164) or a Messaging
-- Service.
CREATE TABLE whatsapp_inboxes (
    inbox_id              BIGINT PRIMARY KEY REFERENCES inboxes (id) ON DELETE CASCADE,
    account_sid           TEXT NOT NULL,
    auth_token            TEXT NOT NULL,
    api_key_sid           TEXT NOT NULL DEFAULT '',
    api_key_secret        TEXT NOT NULL DEFAULT '',
    sender                TEXT NOT NULL DEFAULT '',
    messaging_service_sid TEXT NOT NULL DEFAULT ''
);

-- The people a channel knows by its own id (a Page-scoped id, a WhatsApp number), one contact each
-- per inbox: the same person writing again is the same contact. last_inbound_at is when they last
-- wrote (the 24-hour windows run from it); picture_id their profile picture, kept in the blob store;
-- profile_at when their profile was last read.
CREATE TABLE channel_contacts (
    inbox_id        BIGINT NOT NULL REFERENCES inboxes (id) ON DELETE CASCADE,
    external_id     TEXT NOT NULL,
    contact_id      BIGINT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    picture_id      BIGINT REFERENCES blobs (id) ON DELETE SET NULL,
    last_inbound_at BIGINT NOT NULL DEFAULT 0,
    profile_at      BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (inbox_id, external_id)
);
CREATE INDEX channel_contacts_contact ON channel_contacts (contact_id);
CREATE INDEX channel_contacts_picture ON channel_contacts (picture_id) WHERE picture_id IS NOT NULL;

-- Contacts with the same phone are offered for merging when a channel meets a new one.
CREATE INDEX contacts_phone ON contacts (phone) WHERE phone <> '';

-- +goose Down
DROP INDEX contacts_phone;
DROP TABLE channel_contacts;
DROP TABLE whatsapp_inboxes;
DROP TABLE messenger_inboxes;
