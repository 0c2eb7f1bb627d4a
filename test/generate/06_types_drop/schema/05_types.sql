-- A label removed (enum-label), a domain's type changed (type-change), an
-- attribute dropped from a type a column uses (drop-column); the enum
-- priority, the domain money_amount (with its column) and the composite type
-- point2 dropped.
CREATE TYPE invoice_status AS ENUM ('new', 'paid', 'void');
CREATE DOMAIN email_address AS varchar(320) COLLATE "C" CONSTRAINT email_address_at CHECK (VALUE ~ '^[^@]+@[^@]+$');
CREATE TYPE address AS (street text, city text COLLATE "C", country text);
COMMENT ON TYPE invoice_status IS 'an invoice''s state';
COMMENT ON CONSTRAINT email_address_at ON DOMAIN email_address IS 'one @';
COMMENT ON COLUMN address.city IS 'C collation';
