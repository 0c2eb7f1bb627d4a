-- The stamp is pg-mig's: pg-mig reads what shoal writes, shoal reads what pg-mig
-- writes, and the two are the same function, byte for byte up to the end of
-- pg-mig's body; shoal's data follows it in a comment (1.5).
CREATE SCHEMA t016_pgmig;
CREATE SCHEMA t016_shoal;
-- Exactly the statements pg-mig runs (Dest.runFile) after applying two versions.
SET search_path TO t016_pgmig;
CREATE OR REPLACE FUNCTION t016_pgmig.mig_versions_const() RETURNS text LANGUAGE sql SET search_path FROM CURRENT AS $$ SELECT '["016.a.t016","017.b.t016"]'; $$;
RESET search_path;
-- shoal writes the same two versions.
SELECT shoal.mig_mark('t016_shoal', '016.a.t016', 'ca');
SELECT shoal.mig_mark('t016_shoal', '017.b.t016', 'cb');
SELECT n.nspname, regexp_replace(p.prosrc, '"applied_at":"[^"]*"', '"applied_at":"…"', 'g') AS prosrc,
       p.proconfig, p.prorettype::regtype, l.lanname, p.provolatile
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
 WHERE p.proname = 'mig_versions_const' AND n.nspname LIKE 't016%' ORDER BY 1;
SELECT starts_with((SELECT prosrc FROM pg_proc WHERE oid = 't016_shoal.mig_versions_const()'::regprocedure),
                   (SELECT prosrc FROM pg_proc WHERE oid = 't016_pgmig.mig_versions_const()'::regprocedure)) AS same_source;
-- pg-mig's own read (Dest.loadVersionsBySchema): call the function, JSON.parse it.
SELECT 't016_shoal', t016_shoal.mig_versions_const() UNION ALL SELECT 't016_pgmig', t016_pgmig.mig_versions_const();
-- shoal reads pg-mig's stamp: versions in order, checksums unknown.
SELECT * FROM shoal.stamps() WHERE schema LIKE 't016%' ORDER BY schema;
SELECT schema, version, checksum, applied_at FROM shoal.applied WHERE schema = 't016_pgmig';
-- Adopting: a pg-mig version counts as applied whatever the checksum, and the next
-- version stacks on pg-mig's list.
SELECT shoal.stage('017.b.t016', 'up', 'anything', ARRAY['SELECT 1'], ARRAY['f:1']);
SELECT shoal.mig_apply('t016_pgmig', '017.b.t016', 'anything');
SELECT shoal.stage('018.c.t016', 'up', 'cc', ARRAY['CREATE TABLE c (id int)'], ARRAY['f:1']);
SELECT shoal.mig_apply('t016_pgmig', '018.c.t016', 'cc');
SELECT t016_pgmig.mig_versions_const();
SELECT version, checksum FROM shoal.applied WHERE schema = 't016_pgmig';
-- Versions holding JSON's special characters round-trip as JSON.stringify writes them.
SELECT shoal.mig_mark('t016_shoal', E'019.quote"back\\slash.t016', 'q');
SELECT t016_shoal.mig_versions_const();
SELECT t016_shoal.mig_versions_const()::json ->> 2 AS third;
SELECT versions[3] FROM shoal.stamps() WHERE schema = 't016_shoal';
