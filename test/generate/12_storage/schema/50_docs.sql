-- A new table with its storage: the compression in its CREATE TABLE, the
-- rest as ALTER TABLE.
CREATE TABLE docs (
    id bigint PRIMARY KEY,
    "Body Text" text COMPRESSION pglz
) WITH (fillfactor = 70);
ALTER TABLE docs ALTER COLUMN "Body Text" SET STORAGE MAIN;
