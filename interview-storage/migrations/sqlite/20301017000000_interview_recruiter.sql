-- The recruiter's API. Keys: each key's id, name and scopes ("read,write,erase"),
-- and the SHA-256 of its secret as 64 hex digits; never the secret itself.
CREATE TABLE interview_api_keys (
    id           TEXT PRIMARY KEY NOT NULL,
    name         TEXT NOT NULL,
    scopes       TEXT NOT NULL,
    secret_hash  TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);

-- An erased booking stays as a tombstone: its token (never reused), position,
-- times and status, with name, email and phone set to '' (the columns are NOT
-- NULL, and rebuilding the table to change that is not worth it), everything
-- else about the candidate cleared, and the time of its erasure here. Every
-- query for a live booking asks for `erased_at IS NULL`.
ALTER TABLE interview_bookings ADD COLUMN erased_at TEXT;

-- The recruiter's listing: latest scheduled first, then by token, continued
-- from a (scheduled_at, token) cursor.
CREATE INDEX interview_bookings_listing ON interview_bookings (scheduled_at DESC, token DESC);
