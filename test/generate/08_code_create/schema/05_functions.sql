-- Called by a new table's check: created before the tables.
CREATE FUNCTION is_code(value text) RETURNS boolean
    LANGUAGE sql IMMUTABLE
    RETURN value ~ '^[A-Z]{4}$';

-- Overloads: one name, two routines.
CREATE FUNCTION label(n integer) RETURNS text
    LANGUAGE plpgsql IMMUTABLE
    AS $$ BEGIN RETURN 'n' || n; END $$;
CREATE FUNCTION label(s text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE
    AS $$ BEGIN RETURN 's' || s; END $$;

CREATE FUNCTION touch() RETURNS trigger
    LANGUAGE plpgsql
    AS $$ BEGIN NEW.email := lower(NEW.email); RETURN NEW; END $$;
