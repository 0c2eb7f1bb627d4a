-- Run with psql on a node: renames case-variant duplicate company names in every
-- shard of the node that has them ('ACME Inc' becomes 'ACME Inc (6)', its id),
-- keeping the oldest company's name as it is. Data repair, not a migration: the
-- version that needs it stays unchanged, so shoal's checksums still match.
DO $$
DECLARE
  shard text;
  renamed int;
BEGIN
  FOR shard IN
    SELECT table_schema FROM information_schema.tables
    WHERE table_name = 'companies' AND table_schema ~ '^sh[0-9]+$' ORDER BY 1
  LOOP
    EXECUTE format(
      'UPDATE %1$I.companies AS c SET name = c.name || '' ('' || c.id || '')''
       WHERE EXISTS (SELECT FROM %1$I.companies AS o
                     WHERE lower(o.name) = lower(c.name) AND o.id < c.id)', shard);
    GET DIAGNOSTICS renamed = ROW_COUNT;
    IF renamed > 0 THEN
      RAISE NOTICE '%: renamed % duplicate company name(s)', shard, renamed;
    END IF;
  END LOOP;
END $$;
