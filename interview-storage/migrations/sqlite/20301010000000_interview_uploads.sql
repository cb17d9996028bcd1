-- Resume files this server stored: the text it extracted (or why it could not),
-- and the booking that claimed the file. A booking names its resume by the URL the
-- upload returned and takes the text from here, never from the client; uploads no
-- booking claims are retired by the sweeper (then nothing can claim them), their
-- files deleted, and their rows removed.
CREATE TABLE interview_uploads (
    key              TEXT PRIMARY KEY NOT NULL,
    url              TEXT NOT NULL,
    kind             TEXT NOT NULL,
    resume_text      TEXT,
    extraction_error TEXT,
    uploaded_at      TEXT NOT NULL,
    -- No foreign key: the upload is claimed just before its booking is inserted
    -- (and released if the insert fails). One upload per booking at most.
    claimed_by       TEXT UNIQUE,
    retired          INTEGER NOT NULL DEFAULT 0
);
-- The sweeper's question: the oldest uploads nobody claimed.
CREATE INDEX interview_uploads_unclaimed ON interview_uploads (uploaded_at)
    WHERE claimed_by IS NULL;
