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

ALTER TABLE public.interview_bookings ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.interview_transcript_entries ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.interview_evaluations ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.interview_webhook_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.interview_uploads ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.interview_positions ENABLE ROW LEVEL SECURITY;

-- No grants beyond Supabase's defaults and no policies: with RLS on, anon sees no rows.
REVOKE ALL ON public.interview_bookings FROM anon, authenticated;
REVOKE ALL ON public.interview_transcript_entries FROM anon, authenticated;
REVOKE ALL ON public.interview_evaluations FROM anon, authenticated;
REVOKE ALL ON public.interview_webhook_events FROM anon, authenticated;
REVOKE ALL ON public.interview_uploads FROM anon, authenticated;
REVOKE ALL ON public.interview_positions FROM anon, authenticated;

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
