-- Installs shoal and the helpers later files use; checks the safety rules every
-- function of the extension must follow.
CREATE EXTENSION shoal;
SELECT extversion FROM pg_extension WHERE extname = 'shoal';

-- error_of(sql): 'SQLSTATE: message' of the error sql raises, or 'no error'.
CREATE FUNCTION public.error_of(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  state text;
  message text;
BEGIN
  EXECUTE sql;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT;
  RETURN state || ': ' || message;
END $$;

-- migration_context_of(sql): the context line shoal adds to the error sql raises.
CREATE FUNCTION public.migration_context_of(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  context text;
BEGIN
  EXECUTE sql;
  RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS context = PG_EXCEPTION_CONTEXT;
  RETURN (regexp_match(context, '^migration .*$', 'n'))[1];
END $$;

-- The extension's functions: the interface, then any that breaks a rule.
CREATE VIEW public.shoal_functions AS
SELECT p.oid::regprocedure AS function, p.proconfig, p.proacl, p.prosecdef,
       obj_description(p.oid, 'pg_proc') AS comment
  FROM pg_proc p
  JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
 WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'shoal');

SELECT function FROM public.shoal_functions
 WHERE comment NOT LIKE 'shoal (internal)%' ORDER BY function::text;

SELECT function, 'search_path not pinned' AS problem FROM public.shoal_functions
 WHERE proconfig IS NULL OR proconfig[1] IS DISTINCT FROM 'search_path=pg_catalog, pg_temp'
    OR EXISTS (SELECT FROM unnest(proconfig[2:]) c WHERE c LIKE 'search_path=%')
UNION ALL
SELECT function, 'PUBLIC may execute' FROM public.shoal_functions
 WHERE proacl IS NULL OR EXISTS (SELECT FROM aclexplode(proacl) a WHERE a.grantee = 0)
UNION ALL
SELECT function, 'security definer' FROM public.shoal_functions WHERE prosecdef
UNION ALL
SELECT function, 'no comment' FROM public.shoal_functions WHERE comment IS NULL;

-- Tables and views: nothing granted to PUBLIC.
SELECT c.oid::regclass AS relation, c.relkind FROM pg_class c
 WHERE c.relnamespace = 'shoal'::regnamespace AND c.relkind IN ('r', 'v')
   AND (c.relacl IS NULL OR EXISTS (SELECT FROM aclexplode(c.relacl) a WHERE a.grantee = 0))
 ORDER BY 1;
SELECT count(*) AS relations FROM pg_class c
 WHERE c.relnamespace = 'shoal'::regnamespace AND c.relkind IN ('r', 'v');
