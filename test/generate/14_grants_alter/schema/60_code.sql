-- The function dropped with its privileges; the view loses a column: it is
-- recreated, and its privilege granted again.
CREATE TYPE booking_kind AS ENUM ('meeting', 'call');
GRANT USAGE ON TYPE booking_kind TO app_reader;
CREATE VIEW open_bookings AS SELECT id FROM bookings WHERE NOT canceled;
GRANT SELECT ON open_bookings TO app_reader;
