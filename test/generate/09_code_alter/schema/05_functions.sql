-- The body changes: replaced in place.
CREATE FUNCTION is_code(value text) RETURNS boolean
    LANGUAGE sql IMMUTABLE
    RETURN value ~ '^[A-Z]{4,6}$';

-- An argument renamed: dropped and created (its comment set again); the
-- other overload dropped.
CREATE FUNCTION label(num integer) RETURNS text
    LANGUAGE plpgsql IMMUTABLE
    AS $$ BEGIN RETURN 'n' || num; END $$;

CREATE FUNCTION touch() RETURNS trigger
    LANGUAGE plpgsql
    AS $$ BEGIN NEW.email := lower(NEW.email); RETURN NEW; END $$;

CREATE FUNCTION upper_code() RETURNS trigger
    LANGUAGE plpgsql
    AS $$ BEGIN NEW.code := upper(NEW.code); RETURN NEW; END $$;
