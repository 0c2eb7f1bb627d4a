-- A partitioned table (which has no storage of its own) whose partitions
-- have storage parameters of their own: in PARTITION OF … WITH (…), by
-- ALTER TABLE, and their TOAST table's.
CREATE TABLE metrics (
    id bigint NOT NULL,
    day date NOT NULL,
    payload text
) PARTITION BY RANGE (day);
CREATE TABLE metrics_2024 PARTITION OF metrics FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')
    WITH (fillfactor = 70, autovacuum_enabled = false);
CREATE TABLE metrics_2025 PARTITION OF metrics FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
ALTER TABLE metrics_2025 SET (toast.autovacuum_enabled = false);
