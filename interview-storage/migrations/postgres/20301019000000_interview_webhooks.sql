-- The HR platform's webhook endpoints (/api/v1/webhooks). The secret is kept as
-- it is ("whsec_..."): every delivery is signed with it. After a rotation the
-- previous secret signs beside the new one until previous_secret_until. events is
-- a comma-separated list of event types, NULL for all of them.
CREATE TABLE IF NOT EXISTS interview_webhook_endpoints (
    id                    text PRIMARY KEY,
    url                   text NOT NULL,
    events                text,
    description           text NOT NULL,
    secret                text NOT NULL,
    previous_secret       text,
    previous_secret_until timestamptz,
    disabled              boolean NOT NULL DEFAULT false,
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL
);

-- One row per event and endpoint, written after every attempt: its status
-- (delivered, retrying, failed), attempts, last answer and last error. The
-- environment's endpoint (WEBHOOK_URL) has its deliveries here too, as "env".
CREATE TABLE IF NOT EXISTS interview_webhook_deliveries (
    endpoint_id      text NOT NULL,
    event_id         text NOT NULL,
    event_type       text NOT NULL,
    token            text NOT NULL,
    status           text NOT NULL,
    attempts         bigint NOT NULL,
    response_status  bigint,
    last_error       text,
    first_attempt_at timestamptz NOT NULL,
    last_attempt_at  timestamptz NOT NULL,
    delivered_at     timestamptz,
    PRIMARY KEY (endpoint_id, event_id)
);

-- An endpoint's deliveries, latest attempt first; and the sweeper's pruning.
CREATE INDEX IF NOT EXISTS interview_webhook_deliveries_recent
    ON interview_webhook_deliveries (endpoint_id, last_attempt_at DESC, event_id DESC);
CREATE INDEX IF NOT EXISTS interview_webhook_deliveries_age
    ON interview_webhook_deliveries (last_attempt_at);
