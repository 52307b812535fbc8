-- +goose Up
-- Saved replies: an agent's personal ones (owner_id set) and the shared ones admins keep (owner_id
-- NULL). A shortcut is unique among the shared ones and among each agent's own. The attachment is
-- an upload (blobs) the reply keeps; the orphan cleanup leaves blobs a saved reply holds.
CREATE TABLE saved_replies (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id      BIGINT REFERENCES users (id) ON DELETE CASCADE,
    shortcut      TEXT NOT NULL,
    title         TEXT NOT NULL,
    body          TEXT NOT NULL,
    attachment_id BIGINT REFERENCES blobs (id) ON DELETE SET NULL,
    created_by    BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX saved_replies_shared ON saved_replies (shortcut) WHERE owner_id IS NULL;
CREATE UNIQUE INDEX saved_replies_personal ON saved_replies (owner_id, shortcut) WHERE owner_id IS NOT NULL;
CREATE INDEX saved_replies_attachment ON saved_replies (attachment_id) WHERE attachment_id IS NOT NULL;

-- A website's business hours (inbox.BusinessHours as JSON): '{}' keeps none, so it is always open.
ALTER TABLE websites ADD COLUMN business_hours TEXT NOT NULL DEFAULT '{}';

-- +goose Down
ALTER TABLE websites DROP COLUMN business_hours;
DROP TABLE saved_replies;
