-- +goose Up
-- One row: a known text sealed with the installation's secret key (--secret-key). A node started
-- with a key that cannot open it refuses to start, before it seals anything with the wrong key.
CREATE TABLE secret_check (
    singleton  INTEGER PRIMARY KEY CHECK (singleton = 1),
    sealed     TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE secret_check;
