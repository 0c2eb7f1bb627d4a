-- 1.2: what the coordinator's default parallelism is chosen from.
SELECT shoal.server_cpus() BETWEEN 1 AND 65536 AS plausible_cpus;
-- Linux's boot id is a UUID; the same for every call (and every server) on this machine.
SELECT m IS NULL OR m ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' AS uuid_or_unknown,
       m IS NOT DISTINCT FROM shoal.server_machine() AS stable
  FROM shoal.server_machine() m;
