-- shoal 1.4 -> 1.5: adopting a pg-mig fleet without surprises (issue 16). What
-- changed and why is in docs/architecture.md, "Extension 1.5"; this script holds
-- the SQL side.

\echo Use "ALTER EXTENSION shoal UPDATE TO '1.5'" to load this file. \quit

-- Staging from any checkout ---------------------------------------------------------
-- The same checksum staged again is never a conflict: it is the same resolved
-- body, whether the directory was read from another checkout or CI workspace
-- (other locations) or by a shoal that splits or masks otherwise. What was
-- staged first stays: every schema runs the same statements for a checksum,
-- the row records what ran, and migrating roles hold INSERT on shoal.script,
-- not UPDATE (docs/operators.md). Locations only name file:line in errors.

CREATE OR REPLACE FUNCTION shoal.stage(version text, direction text, checksum text, statements text[], locations text[])
RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $fn$
BEGIN
  PERFORM shoal.check_version(version);
  IF checksum IS NULL OR statements IS NULL OR locations IS NULL THEN
    RAISE EXCEPTION 'checksum, statements and locations must not be null' USING ERRCODE = '22004';
  END IF;
  IF direction IS NULL OR direction NOT IN ('up', 'dn') THEN
    RAISE EXCEPTION 'direction must be ''up'' or ''dn'', not %', coalesce(quote_literal(direction), 'NULL')
      USING ERRCODE = '22023';
  END IF;
  IF cardinality(statements) <> cardinality(locations) THEN
    RAISE EXCEPTION '% statements but % locations', cardinality(statements), cardinality(locations)
      USING ERRCODE = '22023';
  END IF;
  INSERT INTO shoal.script (checksum, version, direction, statements, locations)
  VALUES (checksum, version, direction, statements, locations)
  ON CONFLICT ON CONSTRAINT script_pkey DO NOTHING;
  RETURN FOUND;
END
$fn$;
COMMENT ON FUNCTION shoal.stage(text, text, text, text[], text[]) IS
  'shoal: store one resolved script (up or dn) of a version unless its checksum is staged for it already; true when newly stored';
