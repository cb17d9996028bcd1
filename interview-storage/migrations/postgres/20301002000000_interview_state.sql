-- The booking state machine: the live session's hold on an interview (its lease),
-- the interview's time so far (so a resumed interview carries on), and a version
-- every compare-and-swap checks, so two racing updates cannot both win.
-- docs/supabase.sql makes the same changes on Supabase.
ALTER TABLE interview_bookings ADD COLUMN IF NOT EXISTS live_holder text;
ALTER TABLE interview_bookings ADD COLUMN IF NOT EXISTS live_until timestamptz;
ALTER TABLE interview_bookings ADD COLUMN IF NOT EXISTS elapsed_ms bigint NOT NULL DEFAULT 0;
ALTER TABLE interview_bookings ADD COLUMN IF NOT EXISTS state_version bigint NOT NULL DEFAULT 0;

-- Where each booking's evaluation stands, and why when it failed or cannot be made.
ALTER TABLE interview_bookings ADD COLUMN IF NOT EXISTS evaluation_status text NOT NULL DEFAULT 'pending';
ALTER TABLE interview_bookings ADD COLUMN IF NOT EXISTS evaluation_reason text;
UPDATE interview_bookings SET evaluation_status = 'ready'
    WHERE token IN (SELECT token FROM interview_evaluations);

-- Webhook deliveries already acted on, by the sender's event id, so a retried or
-- replayed delivery is not acted on twice. Ids older than a week are pruned.
CREATE TABLE IF NOT EXISTS interview_webhook_events (
    id          text PRIMARY KEY,
    received_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS interview_webhook_events_received_at
    ON interview_webhook_events (received_at);
