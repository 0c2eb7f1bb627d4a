-- Privileges on a type, a function (PUBLIC's EXECUTE taken away) and a view.
CREATE TYPE booking_kind AS ENUM ('meeting', 'call');
GRANT USAGE ON TYPE booking_kind TO app_reader;
CREATE FUNCTION room_count() RETURNS bigint LANGUAGE sql STABLE
    RETURN (SELECT count(DISTINCT room) FROM bookings);
REVOKE EXECUTE ON FUNCTION room_count() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION room_count() TO app_reader;
CREATE VIEW open_bookings AS SELECT id, room FROM bookings WHERE NOT canceled;
GRANT SELECT ON open_bookings TO app_reader;
