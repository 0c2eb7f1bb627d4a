-- record_failure(): the coordinator's note of a schema whose transaction failed.
SELECT shoal.record_failure('t021', '021.x.t021', 'cx', 'relation "nope" does not exist at f.sql:3');
SELECT schema, version, action, checksum, role, detail, started_at <= finished_at AS ordered
  FROM shoal.event WHERE schema = 't021';
-- Events only accept known actions.
SELECT error_of($$INSERT INTO shoal.event (schema, action, started_at, finished_at) VALUES ('x', 'bogus', now(), now())$$);
