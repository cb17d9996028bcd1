-- Supabase set-up for interview-storage's `supabase` feature. Run once in the
-- project's SQL editor (or `psql`). Safe to run again.
--
-- The tables are the same as the PostgreSQL backend's migration
-- (interview-storage/migrations/postgres), so either backend can use this database.
-- Row level security is on with NO policies: the anon and authenticated roles can
-- neither read nor write; only the service role (which bypasses RLS, and whose key
-- stays on the server) does.

CREATE TABLE IF NOT EXISTS public.interview_bookings (
    token        text PRIMARY KEY,
    name         text NOT NULL,
    email        text NOT NULL,
    phone        text NOT NULL,
    scheduled_at timestamptz NOT NULL,
    resume_text  text,
    resume_url   text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    status       text NOT NULL DEFAULT 'scheduled',
    time_zone    text
);
-- A project that already has the original application's table gains the new columns.
ALTER TABLE public.interview_bookings ADD COLUMN IF NOT EXISTS status text NOT NULL DEFAULT 'scheduled';
ALTER TABLE public.interview_bookings ADD COLUMN IF NOT EXISTS time_zone text;

-- The booking state machine (lease, time so far, compare-and-swap version) and the
-- evaluation's status, as migrations/postgres/20301002000000_interview_state.sql.
ALTER TABLE public.interview_bookings ADD COLUMN IF NOT EXISTS live_holder text;
ALTER TABLE public.interview_bookings ADD COLUMN IF NOT EXISTS live_until timestamptz;
ALTER TABLE public.interview_bookings ADD COLUMN IF NOT EXISTS elapsed_ms bigint NOT NULL DEFAULT 0;
ALTER TABLE public.interview_bookings ADD COLUMN IF NOT EXISTS state_version bigint NOT NULL DEFAULT 0;
ALTER TABLE public.interview_bookings ADD COLUMN IF NOT EXISTS evaluation_status text NOT NULL DEFAULT 'pending';
ALTER TABLE public.interview_bookings ADD COLUMN IF NOT EXISTS evaluation_reason text;
-- How many times the interview was moved, as
-- migrations/postgres/20301018000000_interview_reschedules.sql.
ALTER TABLE public.interview_bookings ADD COLUMN IF NOT EXISTS reschedules integer NOT NULL DEFAULT 0;

CREATE TABLE IF NOT EXISTS public.interview_transcript_entries (
    token     text NOT NULL REFERENCES public.interview_bookings (token) ON DELETE CASCADE,
    seq       integer NOT NULL,
    speaker   text NOT NULL,
    text      text NOT NULL,
    spoken_at timestamptz NOT NULL,
    PRIMARY KEY (token, seq)
);

CREATE TABLE IF NOT EXISTS public.interview_evaluations (
    token      text PRIMARY KEY REFERENCES public.interview_bookings (token) ON DELETE CASCADE,
    evaluation jsonb NOT NULL
);

-- Bookings evaluated before the evaluation status existed.
UPDATE public.interview_bookings SET evaluation_status = 'ready'
    WHERE evaluation_status = 'pending'
      AND token IN (SELECT token FROM public.interview_evaluations);

-- Webhook deliveries already acted on (retries and replays are not acted on twice).
CREATE TABLE IF NOT EXISTS public.interview_webhook_events (
    id          text PRIMARY KEY,
    received_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS interview_webhook_events_received_at
    ON public.interview_webhook_events (received_at);

-- The limit on invitations per address counts an address's recent bookings with
-- PostgREST's case-insensitive `ilike`, which no index on lower(email) serves:
-- the index on created_at narrows the count to the limit's period.
CREATE INDEX IF NOT EXISTS interview_bookings_created_at
    ON public.interview_bookings (created_at);
-- Resume files the server stored, with its extracted text, and the booking that
-- claimed each (as migrations/postgres/20301010000000_interview_uploads.sql).
CREATE TABLE IF NOT EXISTS public.interview_uploads (
    key              text PRIMARY KEY,
    url              text NOT NULL,
    kind             text NOT NULL,
    resume_text      text,
    extraction_error text,
    uploaded_at      timestamptz NOT NULL,
    claimed_by       text UNIQUE,
    retired          boolean NOT NULL DEFAULT false
);
CREATE INDEX IF NOT EXISTS interview_uploads_unclaimed
    ON public.interview_uploads (uploaded_at) WHERE claimed_by IS NULL;

-- Positions, the roles candidates are interviewed for (as
-- migrations/postgres/20301016000000_interview_positions.sql). `definition` is the
-- whole position as JSON (the shape of a POSITIONS_FILE entry); id, slug, title and
-- archived are copies of it for lookups, uniqueness and order. `archived` may be
-- set alone, and then wins over the definition's. id and title sort in byte order
-- (COLLATE "C"), as every backend lists positions, whatever the project's locale.
CREATE TABLE IF NOT EXISTS public.interview_positions (
    id         text COLLATE "C" PRIMARY KEY,
    slug       text NOT NULL UNIQUE,
    title      text COLLATE "C" NOT NULL,
    archived   boolean NOT NULL DEFAULT false,
    definition jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
-- Each booking belongs to a position; bookings made before positions existed
-- belong to the default one. No foreign key: a booking may name a position
-- defined later (POSITIONS_FILE is read at start-up) or the built-in default.
ALTER TABLE public.interview_bookings ADD COLUMN IF NOT EXISTS position_id text NOT NULL DEFAULT 'default';

-- The recruiter's API (as migrations/postgres/20301017000000_interview_recruiter.sql).
-- API keys: each key's id, name and scopes ("read,write,erase"), and the SHA-256
-- of its secret as 64 hex digits; never the secret itself.
CREATE TABLE IF NOT EXISTS public.interview_api_keys (
    id           text PRIMARY KEY,
    name         text NOT NULL,
    scopes       text NOT NULL,
    secret_hash  text NOT NULL,
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz,
    revoked_at   timestamptz
);
-- An erased booking stays as a tombstone: its token (never reused), position,
-- times and status, with name, email and phone set to '' and everything else
-- about the candidate cleared; erased_at says when. The store asks for
-- `erased_at IS NULL` whenever it reads or changes a live booking.
ALTER TABLE public.interview_bookings ADD COLUMN IF NOT EXISTS erased_at timestamptz;
-- The listing: latest scheduled first, then by token, continued from a cursor.
CREATE INDEX IF NOT EXISTS interview_bookings_listing
    ON public.interview_bookings (scheduled_at DESC, token DESC);

-- A transcript line or an evaluation for an erased booking is refused with the
-- foreign key's error, as for a booking that does not exist. The row lock waits
-- for an erasure under way, then sees it.
CREATE OR REPLACE FUNCTION public.interview_refuse_erased_booking()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
    PERFORM 1 FROM public.interview_bookings
        WHERE token = NEW.token AND erased_at IS NULL
        FOR SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no live booking has this token'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NEW;
END;
$$;
DROP TRIGGER IF EXISTS interview_transcript_entries_live_booking
    ON public.interview_transcript_entries;
CREATE TRIGGER interview_transcript_entries_live_booking
    BEFORE INSERT OR UPDATE ON public.interview_transcript_entries
    FOR EACH ROW EXECUTE FUNCTION public.interview_refuse_erased_booking();
DROP TRIGGER IF EXISTS interview_evaluations_live_booking ON public.interview_evaluations;
CREATE TRIGGER interview_evaluations_live_booking
    BEFORE INSERT OR UPDATE ON public.interview_evaluations
    FOR EACH ROW EXECUTE FUNCTION public.interview_refuse_erased_booking();

-- Where each interview's recordings were written (LiveKit Egress): its id, the
-- file's location and when it started. A recording of an erased booking is
-- refused as a transcript line is; interview_erase deletes the rows.
CREATE TABLE IF NOT EXISTS public.interview_recordings (
    token       text NOT NULL REFERENCES public.interview_bookings (token) ON DELETE CASCADE,
    id          text NOT NULL,
    location    text NOT NULL,
    started_at  timestamptz NOT NULL,
    PRIMARY KEY (token, id)
);
DROP TRIGGER IF EXISTS interview_recordings_live_booking ON public.interview_recordings;
CREATE TRIGGER interview_recordings_live_booking
    BEFORE INSERT OR UPDATE ON public.interview_recordings
    FOR EACH ROW EXECUTE FUNCTION public.interview_refuse_erased_booking();

-- One page of the recruiter's listing (POST /rest/v1/rpc/interview_list_interviews),
-- as the PostgreSQL backend builds it: every filter optional, free text searched
-- with strpos (so % and _ are text), without regard to case; erased bookings as
-- their tombstones; never the resume's text.
-- Its columns changed (reschedules): a function's result type cannot be replaced.
DROP FUNCTION IF EXISTS public.interview_list_interviews(
    text, boolean, text, timestamptz, timestamptz, text, timestamptz, text, integer
);
CREATE OR REPLACE FUNCTION public.interview_list_interviews(
    p_status      text,
    p_erased      boolean,
    p_position    text,
    p_from        timestamptz,
    p_before      timestamptz,
    p_text        text,
    p_after_at    timestamptz,
    p_after_token text,
    p_limit       integer
)
RETURNS TABLE (
    token             text,
    position_id       text,
    name              text,
    email             text,
    phone             text,
    scheduled_at      timestamptz,
    time_zone         text,
    resume_url        text,
    status            text,
    evaluation_status text,
    evaluation_reason text,
    created_at        timestamptz,
    reschedules       integer,
    erased_at         timestamptz
)
LANGUAGE sql
STABLE
SET search_path = ''
AS $$
    SELECT b.token, b.position_id, b.name, b.email, b.phone, b.scheduled_at,
           b.time_zone, b.resume_url, b.status, b.evaluation_status,
           b.evaluation_reason, b.created_at, b.reschedules, b.erased_at
    FROM public.interview_bookings AS b
    WHERE (p_erased IS NULL OR (b.erased_at IS NOT NULL) = p_erased)
      AND (p_status IS NULL OR b.status = p_status)
      AND (p_position IS NULL OR b.position_id = p_position)
      AND (p_from IS NULL OR b.scheduled_at >= p_from)
      AND (p_before IS NULL OR b.scheduled_at < p_before)
      AND (p_text IS NULL OR (b.erased_at IS NULL
           AND (strpos(lower(b.name), lower(p_text)) > 0
                OR strpos(lower(b.email), lower(p_text)) > 0)))
      AND (p_after_at IS NULL OR (b.scheduled_at, b.token) < (p_after_at, p_after_token))
    ORDER BY b.scheduled_at DESC, b.token DESC
    LIMIT greatest(1, least(p_limit, 201))
$$;

-- Erases a booking's personal data in one transaction (POST
-- /rest/v1/rpc/interview_erase): the candidate's fields, the transcript, the
-- evaluation, the notes of its recordings, and the text of the uploads it claimed, which are released and
-- retired so the sweeper deletes their files. Refused while an interview is in
-- progress. Answers {"outcome": "erased" | "already_erased" | "in_progress" |
-- "not_found", "tombstone": {...}, "upload_keys": [...]}.
CREATE OR REPLACE FUNCTION public.interview_erase(p_token text, p_at timestamptz)
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
    booking public.interview_bookings%ROWTYPE;
    keys    text[];
BEGIN
    -- The row lock holds off claims, transcript lines and evaluations until
    -- the erasure commits.
    SELECT * INTO booking FROM public.interview_bookings
        WHERE interview_bookings.token = p_token
        FOR UPDATE;
    IF NOT FOUND THEN
        RETURN jsonb_build_object('outcome', 'not_found');
    END IF;
    IF booking.erased_at IS NOT NULL THEN
        RETURN jsonb_build_object(
            'outcome', 'already_erased',
            'tombstone', jsonb_build_object(
                'token', booking.token,
                'position_id', booking.position_id,
                'scheduled_at', booking.scheduled_at,
                'created_at', booking.created_at,
                'erased_at', booking.erased_at));
    END IF;
    IF booking.status = 'in_progress' THEN
        RETURN jsonb_build_object('outcome', 'in_progress');
    END IF;
    UPDATE public.interview_bookings
        SET name = '', email = '', phone = '', time_zone = NULL, resume_text = NULL,
            resume_url = NULL, evaluation_status = 'pending', evaluation_reason = NULL,
            live_holder = NULL, live_until = NULL, erased_at = p_at
        WHERE interview_bookings.token = p_token;
    DELETE FROM public.interview_transcript_entries WHERE interview_transcript_entries.token = p_token;
    DELETE FROM public.interview_evaluations WHERE interview_evaluations.token = p_token;
    DELETE FROM public.interview_recordings WHERE interview_recordings.token = p_token;
    WITH released AS (
        UPDATE public.interview_uploads
            SET claimed_by = NULL, resume_text = NULL, retired = true
            WHERE claimed_by = p_token
            RETURNING key
    )
    SELECT coalesce(array_agg(released.key ORDER BY released.key), '{}') INTO keys FROM released;
    RETURN jsonb_build_object(
        'outcome', 'erased',
        'tombstone', jsonb_build_object(
            'token', booking.token,
            'position_id', booking.position_id,
            'scheduled_at', booking.scheduled_at,
            'created_at', booking.created_at,
            'erased_at', p_at),
        'upload_keys', to_jsonb(keys));
END;
$$;

-- Functions in public are executable by everyone unless revoked: only the
-- service role may list or erase.
REVOKE ALL ON FUNCTION public.interview_list_interviews(
    text, boolean, text, timestamptz, timestamptz, text, timestamptz, text, integer
) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.interview_erase(text, timestamptz) FROM PUBLIC, anon, authenticated;
REVOKE ALL ON FUNCTION public.interview_refuse_erased_booking() FROM PUBLIC, anon, authenticated;
GRANT EXECUTE ON FUNCTION public.interview_list_interviews(
    text, boolean, text, timestamptz, timestamptz, text, timestamptz, text, integer
) TO service_role;
GRANT EXECUTE ON FUNCTION public.interview_erase(text, timestamptz) TO service_role;

ALTER TABLE public.interview_bookings ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.interview_transcript_entries ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.interview_evaluations ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.interview_webhook_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.interview_uploads ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.interview_positions ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.interview_api_keys ENABLE ROW LEVEL SECURITY;

-- No grants beyond Supabase's defaults and no policies: with RLS on, anon sees no rows.
REVOKE ALL ON public.interview_bookings FROM anon, authenticated;
REVOKE ALL ON public.interview_transcript_entries FROM anon, authenticated;
REVOKE ALL ON public.interview_evaluations FROM anon, authenticated;
REVOKE ALL ON public.interview_webhook_events FROM anon, authenticated;
REVOKE ALL ON public.interview_uploads FROM anon, authenticated;
REVOKE ALL ON public.interview_positions FROM anon, authenticated;
REVOKE ALL ON public.interview_api_keys FROM anon, authenticated;
REVOKE ALL ON public.interview_recordings FROM anon, authenticated;

-- The resume bucket. It is public, as in the original: the URL the application
-- stores is /storage/v1/object/public/resumes/{name}, and names carry 128 random
-- bits. Uploads (storage.objects) have RLS on and no policy for anon, so only the
-- service role can write. Set `public = false` to serve files only through the
-- application (the store's `get` uses the authenticated download endpoint).
INSERT INTO storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
VALUES (
    'resumes',
    'resumes',
    true,
    5242880,
    ARRAY[
        'application/pdf',
        'application/msword',
        'application/vnd.openxmlformats-officedocument.wordprocessingml.document'
    ]
)
ON CONFLICT (id) DO NOTHING;

-- PostgREST reads the schema once; this asks it to read the new tables and
-- functions now (Supabase also does so by itself after DDL).
NOTIFY pgrst, 'reload schema';
