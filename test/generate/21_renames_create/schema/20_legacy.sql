CREATE TABLE legacy (
    id bigint PRIMARY KEY,
    payload text,
    CONSTRAINT payload_unique UNIQUE (payload)
);
CREATE INDEX legacy_by_payload ON legacy (lower(payload));
