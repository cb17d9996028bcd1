-- Positions: the roles candidates are interviewed for. `definition` is the whole
-- position as JSON (its draft, the shape of a POSITIONS_FILE entry); id, slug,
-- title and archived are copies of it for lookups, uniqueness and order, written
-- with it. `archived` may also be set alone: it overrides the definition's.
-- id and title sort in byte order (COLLATE "C"), as every backend sorts them,
-- whatever the database's locale. docs/supabase.sql creates the same table and column.
CREATE TABLE IF NOT EXISTS interview_positions (
    id         text COLLATE "C" PRIMARY KEY,
    slug       text NOT NULL UNIQUE,
    title      text COLLATE "C" NOT NULL,
    archived   boolean NOT NULL DEFAULT false,
    definition jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Each booking belongs to a position; bookings made before positions existed
-- belong to the default one. No foreign key: a booking may name a position that
-- is defined later (POSITIONS_FILE is read at start-up) or the built-in default.
ALTER TABLE interview_bookings ADD COLUMN IF NOT EXISTS position_id text NOT NULL DEFAULT 'default';
