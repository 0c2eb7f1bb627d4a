CREATE TABLE events (
    id bigint NOT NULL,
    day date NOT NULL,
    kind text NOT NULL DEFAULT 'click',
    user_id bigint REFERENCES users (id),
    PRIMARY KEY (id, day),
    CHECK (id > 0)
) PARTITION BY RANGE (day);
-- events_2024 dropped (--allow-hazard drop-table), events_2026 added.
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE TABLE events_other PARTITION OF events DEFAULT;
-- events_kind dropped: DROP INDEX, before the partitions come and go.
-- New on the partitioned table: each partition's built concurrently, then attached.
CREATE INDEX events_user_day ON events (user_id, day);
-- A partition's own index, built concurrently as any table's.
CREATE INDEX events_other_day ON events_other (day);

CREATE TABLE tags (name text PRIMARY KEY) PARTITION BY HASH (name);
CREATE TABLE tags_0 PARTITION OF tags FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE tags_1 PARTITION OF tags FOR VALUES WITH (MODULUS 2, REMAINDER 1);

CREATE TABLE regions (code text NOT NULL, name text) PARTITION BY LIST (code);
CREATE TABLE regions_eu PARTITION OF regions FOR VALUES IN ('de', 'fr');
CREATE TABLE regions_other PARTITION OF regions DEFAULT;
