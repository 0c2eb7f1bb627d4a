-- The one version for schema `public`: what every shard needs from the node
-- (the citext extension) and the shards themselves. Which shards live on a node
-- is the node's own setting, app.shards = 'FIRST-LAST' (ALTER DATABASE … SET),
-- so one file serves every node. The shard schemas this creates get the `sh`
-- versions in the same shoal run.
-- $run_alone=1
CREATE EXTENSION IF NOT EXISTS citext SCHEMA public;

CREATE FUNCTION public.ensure_shards(first_shard int, last_shard int) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
  n int := 0;
BEGIN
  FOR i IN first_shard..last_shard LOOP
    IF to_regnamespace(format('sh%s', lpad(i::text, 4, '0'))) IS NULL THEN
      EXECUTE format('CREATE SCHEMA %I', format('sh%s', lpad(i::text, 4, '0')));
      n := n + 1;
    END IF;
  END LOOP;
  RETURN n;
END $$;
COMMENT ON FUNCTION public.ensure_shards(int, int) IS
  'creates the missing shard schemas shFIRST … shLAST; returns how many it created';

SELECT public.ensure_shards(split_part(current_setting('app.shards'), '-', 1)::int,
                            split_part(current_setting('app.shards'), '-', 2)::int);
