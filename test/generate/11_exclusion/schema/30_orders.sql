CREATE TABLE orders (
    id bigserial PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id),
    total numeric(12,2) NOT NULL DEFAULT 1 CHECK (total >= 0),
    note varchar(200) COLLATE "C",
    doubled numeric GENERATED ALWAYS AS (total * 2) STORED
);
CREATE INDEX orders_user ON orders (user_id) INCLUDE (total) WHERE note IS NOT NULL;
-- On an existing table: allowed with --allow-hazard exclusion-constraint-scan.
ALTER TABLE orders ADD CONSTRAINT orders_one_note_per_user
    EXCLUDE USING btree (user_id WITH =, note WITH =) WHERE (note IS NOT NULL);
