-- +goose Up
-- Outgoing webhooks (docs/webhooks.md): endpoints that subscribe to event types, their signing
-- secrets, one delivery per event and endpoint, and every attempt at it.
CREATE TABLE webhook_endpoints (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    url             TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    event_types     TEXT NOT NULL DEFAULT '[]', -- JSON array; empty: every type
    active          INTEGER NOT NULL DEFAULT 1,
    -- Why Parley turned it off (gone: the receiver answered 410; failing: no success for 5 days);
    -- empty when an admin did, or while it is active.
    disabled_reason TEXT NOT NULL DEFAULT '',
    disabled_at     BIGINT,
    -- Events up to this position are not for it: those before it was made or last switched on.
    from_position   BIGINT NOT NULL,
    last_success_at BIGINT,
    failing_since   BIGINT, -- the first failure since the last success
    -- 1 while a delivery job owns the endpoint's queue: whoever turns it from 0 to 1 enqueues
    -- that job, and the job turns it back only when no delivery is pending (store/webhooks.go).
    sending         INTEGER NOT NULL DEFAULT 0,
    sender_job      BIGINT, -- that job's id, to make it due at once (a redelivery, "try now")
    created_by      BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);

-- Signing secrets, sealed with the secret key. The current one has no expiry; after a rotation the
-- previous one signs too until expires_at.
CREATE TABLE webhook_secrets (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint_id BIGINT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    secret      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT
);
CREATE INDEX webhook_secrets_endpoint ON webhook_secrets (endpoint_id);

-- One message to one endpoint: an event (position > 0) or a test (position 0). Its message_id is
-- the webhook-id header, the same on every attempt.
CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint_id     BIGINT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    message_id      TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    position        BIGINT NOT NULL,
    payload         TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'succeeded', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    deadline_at     BIGINT NOT NULL, -- retried until then, then failed
    last_status     INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    finished_at     BIGINT
);
-- An event reaches an endpoint once however often the fan-out reads it.
CREATE UNIQUE INDEX webhook_deliveries_event ON webhook_deliveries (endpoint_id, position) WHERE position > 0;
-- The endpoint's queue in position order, and its log newest first.
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (endpoint_id, position, id) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (endpoint_id, id);
CREATE INDEX webhook_deliveries_finished ON webhook_deliveries (finished_at) WHERE finished_at IS NOT NULL;

-- Every attempt: what was sent, what came back (the first 4 KB), how long it took.
CREATE TABLE webhook_attempts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id     BIGINT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt         INTEGER NOT NULL,
    url             TEXT NOT NULL,
    request_headers TEXT NOT NULL, -- JSON object
    status          INTEGER NOT NULL DEFAULT 0, -- 0: no response
    response_body   TEXT NOT NULL DEFAULT '',
    error           TEXT NOT NULL DEFAULT '',
    duration_ms     BIGINT NOT NULL,
    started_at      BIGINT NOT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, attempt);

-- +goose Down
DROP TABLE webhook_attempts;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_secrets;
DROP TABLE webhook_endpoints;
