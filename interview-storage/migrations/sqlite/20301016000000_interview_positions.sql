-- Positions: the roles candidates are interviewed for. `definition` is the whole
-- position as JSON (its draft, the shape of a POSITIONS_FILE entry); id, slug,
-- title and archived are copies of it for lookups, uniqueness and order, written
-- with it. `archived` may also be set alone: it overrides the definition's.
CREATE TABLE interview_positions (
    id         TEXT PRIMARY KEY NOT NULL,
    slug       TEXT NOT NULL UNIQUE,
    title      TEXT NOT NULL,
    archived   INTEGER NOT NULL DEFAULT 0,
    definition TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Each booking belongs to a position; bookings made before positions existed
-- belong to the default one. No foreign key: a booking may name a position that
-- is defined later (POSITIONS_FILE is read at start-up) or the built-in default.
ALTER TABLE interview_bookings ADD COLUMN position_id TEXT NOT NULL DEFAULT 'default';
