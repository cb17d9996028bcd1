-- The booking state machine: the live session's hold on an interview (its lease),
-- the interview's time so far (so a resumed interview carries on), and a version
-- every compare-and-swap checks, so two racing updates cannot both win.
ALTER TABLE interview_bookings ADD COLUMN live_holder TEXT;
ALTER TABLE interview_bookings ADD COLUMN live_until TEXT;
ALTER TABLE interview_bookings ADD COLUMN elapsed_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE interview_bookings ADD COLUMN state_version INTEGER NOT NULL DEFAULT 0;

-- Where each booking's evaluation stands, and why when it failed or cannot be made.
ALTER TABLE interview_bookings ADD COLUMN evaluation_status TEXT NOT NULL DEFAULT 'pending';
ALTER TABLE interview_bookings ADD COLUMN evaluation_reason TEXT;
UPDATE interview_bookings SET evaluation_status = 'ready'
    WHERE token IN (SELECT token FROM interview_evaluations);

-- Webhook deliveries already acted on, by the sender's event id, so a retried or
-- replayed delivery is not acted on twice. Ids older than a week are pruned.
CREATE TABLE interview_webhook_events (
    id          TEXT PRIMARY KEY NOT NULL,
    received_at TEXT NOT NULL
);
CREATE INDEX interview_webhook_events_received_at ON interview_webhook_events (received_at);
