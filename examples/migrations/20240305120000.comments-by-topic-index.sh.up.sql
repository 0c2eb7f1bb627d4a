-- Built CONCURRENTLY so writers are never blocked on a large table. Such a
-- statement cannot run in a transaction, so shoal runs this version outside one
-- (dropping an invalid leftover of an interrupted attempt before it retries),
-- then stamps the shard. IF NOT EXISTS keeps a retry after a lost connection
-- from failing on the index the first attempt finished. At most two builds at a
-- time per host, so the node's CPU and I/O stay free for the application.
-- (pg-mig's form, `COMMIT;` before and `BEGIN;` after, is accepted too.)
-- $parallelism_per_host=2
CREATE INDEX CONCURRENTLY IF NOT EXISTS comments_topic_id_created_at
  ON comments (topic_id, created_at);
