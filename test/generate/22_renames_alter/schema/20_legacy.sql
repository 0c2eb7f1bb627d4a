CREATE TABLE legacy (
    id bigint,
    payload text,
    -- shoal:renamed-from legacy_pkey
    CONSTRAINT legacy_id PRIMARY KEY (id),
    CONSTRAINT legacy_payload_key UNIQUE (payload) -- shoal:renamed-from payload_unique
);
-- Renamed and changed: renamed first, then replaced under its new name.
-- shoal:renamed-from legacy_by_payload
CREATE INDEX legacy_payload_lower ON legacy (lower(payload) text_pattern_ops);
