-- Bookings, as the original's interview_bookings table plus a status and the
-- candidate's time zone. Timestamps are RFC 3339 text in UTC with six fractional
-- digits (one width, so they sort as text in time order).
CREATE TABLE interview_bookings (
    token        TEXT PRIMARY KEY NOT NULL,
    name         TEXT NOT NULL,
    email        TEXT NOT NULL,
    phone        TEXT NOT NULL,
    scheduled_at TEXT NOT NULL,
    resume_text  TEXT,
    resume_url   TEXT,
    created_at   TEXT NOT NULL,
    -- No CHECK on the names: BookingStatus grows, and SQLite cannot alter a CHECK
    -- without rebuilding the table. The store refuses unknown names when reading.
    status       TEXT NOT NULL DEFAULT 'scheduled',
    time_zone    TEXT
);

-- An interview's transcript: lines numbered from 1 per booking, in append order.
CREATE TABLE interview_transcript_entries (
    token     TEXT NOT NULL REFERENCES interview_bookings (token) ON DELETE CASCADE,
    seq       INTEGER NOT NULL,
    speaker   TEXT NOT NULL,
    text      TEXT NOT NULL,
    spoken_at TEXT NOT NULL,
    PRIMARY KEY (token, seq)
);

-- At most one evaluation per booking, as a JSON document.
CREATE TABLE interview_evaluations (
    token      TEXT PRIMARY KEY NOT NULL REFERENCES interview_bookings (token) ON DELETE CASCADE,
    evaluation TEXT NOT NULL
);
