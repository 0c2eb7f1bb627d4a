-- bookings_no_overlap becomes DEFERRABLE: dropped and added again (allowed
-- with --allow-hazard exclusion-constraint-scan). Storage parameters of the
-- table and of its TOAST table.
CREATE TABLE bookings (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    room integer NOT NULL,
    during tstzrange NOT NULL,
    canceled boolean NOT NULL DEFAULT false,
    CONSTRAINT bookings_no_overlap
        EXCLUDE USING gist (room public.gist_int4_ops WITH =, during WITH &&) WHERE (NOT canceled)
        DEFERRABLE,
    CONSTRAINT "Bookings one ""open"" per room"
        EXCLUDE USING gist (room WITH =) WHERE (upper(during) IS NULL) DEFERRABLE INITIALLY DEFERRED
);
ALTER TABLE bookings SET (fillfactor = 90, toast.autovacuum_enabled = false);
