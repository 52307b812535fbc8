-- +goose Up
-- An agent's own settings that follow them to every device: which events notify them, and how.
CREATE TABLE user_settings (
    user_id    BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    notify     TEXT NOT NULL DEFAULT '{}',
    updated_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE user_settings;
