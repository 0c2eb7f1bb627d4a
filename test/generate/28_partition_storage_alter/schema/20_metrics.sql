-- 27's partitions: one's parameters changed and one reset, the TOAST
-- table's reset and one of the table's set; a partition added with
-- parameters of its own, on an existing partitioned table.
CREATE TABLE metrics (
    id bigint NOT NULL,
    day date NOT NULL,
    payload text
) PARTITION BY RANGE (day);
CREATE TABLE metrics_2024 PARTITION OF metrics FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')
    WITH (fillfactor = 80);
CREATE TABLE metrics_2025 PARTITION OF metrics FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')
    WITH (autovacuum_vacuum_scale_factor = 0.05);
CREATE TABLE metrics_2026 PARTITION OF metrics FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')
    WITH (fillfactor = 60, toast.autovacuum_enabled = false);
