-- +goose Up
-- One row: this installation's id. Nodes sharing a NATS with other installations (staging and
-- production, several tenants) put it in their bus subjects so nobody hears another's events.
CREATE TABLE installation (
    singleton  INTEGER PRIMARY KEY CHECK (singleton = 1),
    id         TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE installation;
