-- Labels added before the first and after the last, under the enum's new name.
-- shoal:renamed-from status
CREATE TYPE invoice_status AS ENUM ('draft', 'new', 'paid', 'void');
CREATE TYPE priority AS ENUM ('low', 'high');
-- A default, NOT NULL and a check added; a check changed.
CREATE DOMAIN money_amount AS numeric(12,2) DEFAULT 0 NOT NULL
    CONSTRAINT money_amount_positive CHECK (VALUE >= 0)
    CONSTRAINT money_amount_limit CHECK (VALUE < 1000000);
CREATE DOMAIN email_address AS text COLLATE "C" CONSTRAINT email_address_at CHECK (VALUE ~ '^[^@]+@[^@]+$');
-- An attribute added to a type a column uses.
CREATE TYPE address AS (street text, city text COLLATE "C", zip integer, country text);
CREATE TYPE point2 AS (x double precision, y double precision);
COMMENT ON TYPE invoice_status IS 'an invoice''s state';
COMMENT ON CONSTRAINT email_address_at ON DOMAIN email_address IS 'one @';
COMMENT ON COLUMN address.city IS 'C collation';
