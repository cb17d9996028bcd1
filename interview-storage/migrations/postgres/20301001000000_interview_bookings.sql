-- Bookings, as the original's interview_bookings table plus a status and the
-- candidate's time zone. docs/supabase.sql creates the same tables on Supabase.
CREATE TABLE IF NOT EXISTS interview_bookings (
    token        text PRIMARY KEY,
    name         text NOT NULL,
    email        text NOT NULL,
    phone        text NOT NULL,
    scheduled_at timestamptz NOT NULL,
    resume_text  text,
    resume_url   text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    -- No CHECK on the names: BookingStatus grows; the store refuses unknown names
    -- when reading.
    status       text NOT NULL DEFAULT 'scheduled',
    time_zone    text
);
-- A database that already has the original's table gains the two new columns.
ALTER TABLE interview_bookings ADD COLUMN IF NOT EXISTS status text NOT NULL DEFAULT 'scheduled';
ALTER TABLE interview_bookings ADD COLUMN IF NOT EXISTS time_zone text;

-- An interview's transcript: lines numbered from 1 per booking, in append order.
CREATE TABLE IF NOT EXISTS interview_transcript_entries (
    token     text NOT NULL REFERENCES interview_bookings (token) ON DELETE CASCADE,
    seq       integer NOT NULL,
    speaker   text NOT NULL,
    text      text NOT NULL,
    spoken_at timestamptz NOT NULL,
    PRIMARY KEY (token, seq)
);

-- At most one evaluation per booking.
CREATE TABLE IF NOT EXISTS interview_evaluations (
    token      text PRIMARY KEY REFERENCES interview_bookings (token) ON DELETE CASCADE,
    evaluation jsonb NOT NULL
);
