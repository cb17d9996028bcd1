-- A booking's reschedules: how many times it was moved (the position's rescheduling
-- policy counts them; the calendar update's SEQUENCE follows them).
ALTER TABLE interview_bookings ADD COLUMN reschedules INTEGER NOT NULL DEFAULT 0;
