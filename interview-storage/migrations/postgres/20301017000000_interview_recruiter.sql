-- The recruiter's API. Keys: each key's id, name and scopes ("read,write,erase"),
-- and the SHA-256 of its secret as 64 hex digits; never the secret itself.
-- docs/supabase.sql makes the same changes on Supabase.
CREATE TABLE IF NOT EXISTS interview_api_keys (
    id           text PRIMARY KEY,
    name         text NOT NULL,
    scopes       text NOT NULL,
    secret_hash  text NOT NULL,
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz,
    revoked_at   timestamptz
);

-- An erased booking stays as a tombstone: its token (never reused), position,
-- times and status, with name, email and phone set to '' (the columns are NOT
-- NULL), everything else about the candidate cleared, and the time of its
-- erasure here. Every query for a live booking asks for `erased_at IS NULL`.
ALTER TABLE interview_bookings ADD COLUMN IF NOT EXISTS erased_at timestamptz;

-- The recruiter's listing: latest scheduled first, then by token, continued
-- from a (scheduled_at, token) cursor.
CREATE INDEX IF NOT EXISTS interview_bookings_listing
    ON interview_bookings (scheduled_at DESC, token DESC);
