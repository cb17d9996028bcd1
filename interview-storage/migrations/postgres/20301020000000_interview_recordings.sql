-- Where each interview's recordings were written (LiveKit Egress): its id, the
-- file's location and when it started. Erasing a booking deletes its rows.
-- docs/supabase.sql creates the same table on Supabase.
CREATE TABLE IF NOT EXISTS interview_recordings (
    token       text NOT NULL REFERENCES interview_bookings (token) ON DELETE CASCADE,
    id          text NOT NULL,
    location    text NOT NULL,
    started_at  timestamptz NOT NULL,
    PRIMARY KEY (token, id)
);
