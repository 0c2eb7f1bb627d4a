CREATE TABLE orders (
    id bigserial PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id),
    total numeric(12,2) NOT NULL DEFAULT 1 CHECK (total >= 0),
    note varchar(200) COLLATE "C",
    doubled numeric GENERATED ALWAYS AS (total * 2) STORED
);
CREATE INDEX orders_user ON orders (user_id) INCLUDE (total) WHERE note IS NOT NULL;
-- The exclusion constraint of 11_exclusion dropped; a column added with its
-- storage, and a statistics target.
ALTER TABLE orders ADD COLUMN attachment bytea;
ALTER TABLE orders ALTER COLUMN attachment SET STORAGE EXTERNAL,
    ALTER COLUMN user_id SET STATISTICS 1000;
-- A sequence's privilege with grant option.
GRANT USAGE ON SEQUENCE orders_id_seq TO app_reader WITH GRANT OPTION;
