-- A new table: its exclusion constraints are part of its CREATE TABLE. The
-- equality on an integer in a GiST index is btree_gist's (in public).
CREATE TABLE bookings (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    room integer NOT NULL,
    during tstzrange NOT NULL,
    canceled boolean NOT NULL DEFAULT false,
    CONSTRAINT bookings_no_overlap
        EXCLUDE USING gist (room public.gist_int4_ops WITH =, during WITH &&) WHERE (NOT canceled),
    CONSTRAINT "Bookings one ""open"" per room"
        EXCLUDE USING gist (room WITH =) WHERE (upper(during) IS NULL) DEFERRABLE INITIALLY DEFERRED
);
