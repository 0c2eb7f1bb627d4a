CREATE TABLE events (
    id bigint NOT NULL,
    day date NOT NULL,
    kind text NOT NULL DEFAULT 'click',
    user_id bigint REFERENCES users (id),
    PRIMARY KEY (id, day),
    CHECK (id > 0)
) PARTITION BY RANGE (day);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE events_other PARTITION OF events DEFAULT;
CREATE INDEX events_kind ON events (kind);

CREATE TABLE tags (name text PRIMARY KEY) PARTITION BY HASH (name);
CREATE TABLE tags_0 PARTITION OF tags FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE tags_1 PARTITION OF tags FOR VALUES WITH (MODULUS 2, REMAINDER 1);

CREATE TABLE regions (code text NOT NULL, name text) PARTITION BY LIST (code);
CREATE TABLE regions_eu PARTITION OF regions FOR VALUES IN ('de', 'fr');
