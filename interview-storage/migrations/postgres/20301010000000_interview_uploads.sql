-- Resume files this server stored: the text it extracted (or why it could not),
-- and the booking that claimed the file. A booking names its resume by the URL the
-- upload returned and takes the text from here, never from the client; uploads no
-- booking claims are retired by the sweeper (then nothing can claim them), their
-- files deleted, and their rows removed. docs/supabase.sql creates the same table.
CREATE TABLE IF NOT EXISTS interview_uploads (
    key              text PRIMARY KEY,
    url              text NOT NULL,
    kind             text NOT NULL,
    resume_text      text,
    extraction_error text,
    uploaded_at      timestamptz NOT NULL,
    -- No foreign key: the upload is claimed just before its booking is inserted
    -- (and released if the insert fails). One upload per booking at most.
    claimed_by       text UNIQUE,
    retired          boolean NOT NULL DEFAULT false
);
-- The sweeper's question: the oldest uploads nobody claimed.
CREATE INDEX IF NOT EXISTS interview_uploads_unclaimed ON interview_uploads (uploaded_at)
    WHERE claimed_by IS NULL;
