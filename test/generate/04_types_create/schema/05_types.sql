-- Types, each used by a table column but two (pg-schema-diff #205, migra #94).
CREATE TYPE status AS ENUM ('new', 'paid');
CREATE TYPE priority AS ENUM ('low', 'high');
CREATE DOMAIN money_amount AS numeric(12,2) CONSTRAINT money_amount_positive CHECK (VALUE >= 0);
CREATE DOMAIN email_address AS text COLLATE "C" CONSTRAINT email_address_at CHECK (VALUE LIKE '%@%');
CREATE TYPE address AS (street text, city text COLLATE "C", zip integer);
CREATE TYPE point2 AS (x double precision, y double precision);
COMMENT ON TYPE status IS 'an invoice''s state';
COMMENT ON CONSTRAINT email_address_at ON DOMAIN email_address IS 'one @';
COMMENT ON COLUMN address.city IS 'C collation';
