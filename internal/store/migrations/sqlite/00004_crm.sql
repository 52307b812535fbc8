-- +goose Up
-- The CRM's first item: leads. Persons, organisations, deals and activities join later, each in a
-- table of its own with the same links. An item is the business's record, so it outlives what it
-- came from: deleting the conversation, the contact or a user only clears the link (SET NULL).
-- Contacts in particular are deleted when an anonymous visitor is merged into an identified one;
-- the store moves their leads first, and SET NULL is the backstop.
CREATE TABLE leads (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    title              TEXT NOT NULL,
    value              BIGINT NOT NULL DEFAULT 0 CHECK (value >= 0), -- minor units (cents)
    currency           TEXT NOT NULL,                               -- ISO 4217, checked in Go
    status             TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'won', 'lost')),
    contact_id         BIGINT REFERENCES contacts (id) ON DELETE SET NULL,
    conversation_id    BIGINT REFERENCES conversations (id) ON DELETE SET NULL,
    owner_user_id      BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_by_user_id BIGINT REFERENCES users (id) ON DELETE SET NULL, -- NULL: a playbook's bot made it
    source             TEXT NOT NULL CHECK (source IN ('agent', 'bot', 'api')),
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL
);
-- The lists filter by these, and deleting a contact, conversation or user finds its leads by them.
CREATE INDEX leads_contact ON leads (contact_id, id);
CREATE INDEX leads_conversation ON leads (conversation_id, id);
CREATE INDEX leads_owner ON leads (owner_user_id, id);
CREATE INDEX leads_created_by ON leads (created_by_user_id);

-- +goose Down
DROP TABLE leads;
