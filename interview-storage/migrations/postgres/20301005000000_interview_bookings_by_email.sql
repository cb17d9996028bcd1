-- The limit on invitations per address counts an address's recent bookings
-- (case-insensitively) on every booking: keep that count an index lookup.
CREATE INDEX interview_bookings_email_created_at ON interview_bookings (lower(email), created_at);
