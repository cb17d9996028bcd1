-- The HR platform's webhook endpoints (/api/v1/webhooks). The secret is kept as
-- it is ("whsec_..."): every delivery is signed with it. After a rotation the
-- previous secret signs beside the new one until previous_secret_until. events is
-- a comma-separated list of event types, NULL for all of them.
CREATE TABLE interview_webhook_endpoints (
    id                    TEXT PRIMARY KEY NOT NULL,
    url                   TEXT NOT NULL,
    events                TEXT,
    description           TEXT NOT NULL,
    secret                TEXT NOT NULL,
    previous_secret       TEXT,
    previous_secret_until TEXT,
    disabled              INTEGER NOT NULL DEFAULT 0,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL
);

-- One row per event and endpoint, written after every attempt: its status
-- (delivered, retrying, failed), attempts, last answer and last error. The
-- environment's endpoint (WEBHOOK_URL) has its deliveries here too, as "env".
CREATE TABLE interview_webhook_deliveries (
    endpoint_id      TEXT NOT NULL,
    event_id         TEXT NOT NULL,
    event_type       TEXT NOT NULL,
    token            TEXT NOT NULL,
    status           TEXT NOT NULL,
    attempts         INTEGER NOT NULL,
    response_status  INTEGER,
    last_error       TEXT,
    first_attempt_at TEXT NOT NULL,
    last_attempt_at  TEXT NOT NULL,
    delivered_at     TEXT,
    PRIMARY KEY (endpoint_id, event_id)
);

-- An endpoint's deliveries, latest attempt first; and the sweeper's pruning.
CREATE INDEX interview_webhook_deliveries_recent
    ON interview_webhook_deliveries (endpoint_id, last_attempt_at DESC, event_id DESC);
CREATE INDEX interview_webhook_deliveries_age
    ON interview_webhook_deliveries (last_attempt_at);
