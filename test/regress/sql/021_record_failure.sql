-- record_failure(): the coordinator's note of a schema whose transaction failed.
SELECT shoal.record_failure('t021', '021.x.t021', 'cx', 'relation "nope" does not exist at f.sql:3');
SELECT schema, version, action, checksum, role, detail, started_at <= finished_at AS ordered
  FROM shoal.event WHERE schema = 't021';
-- shoal.log_event, the SQL writer of events, only takes known actions (1.10: the
-- table has no CHECK; its C writers write constants).
SELECT error_of($$SELECT shoal.log_event('x', NULL, 'bogus', NULL, now(), NULL)$$);
SELECT error_of($$SELECT shoal.log_event('x', NULL, NULL, NULL, now(), NULL)$$);
SELECT count(*) FROM shoal.event WHERE schema = 'x';
