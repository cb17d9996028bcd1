-- Where each interview's recordings were written (LiveKit Egress): its id, the
-- file's location and when it started. Erasing a booking deletes its rows.
CREATE TABLE interview_recordings (
    token       TEXT NOT NULL REFERENCES interview_bookings (token) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    location    TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    PRIMARY KEY (token, id)
);
