-- 1.1: the rerun fingerprint, stored where pg-mig reads it (Dest.loadRerunFingerprint)
-- and in pg-mig's exact function form; read back from the source, never run.
SELECT shoal.rerun_fingerprint();
SELECT shoal.set_rerun_fingerprint('sh0001,sh0002,hash=abc');
SELECT shoal.rerun_fingerprint();
-- pg-mig's query, and the function as pg-mig writes it.
SELECT public.mig_rerun_fingerprint_const();
SELECT prosrc, proconfig FROM pg_proc WHERE oid = 'public.mig_rerun_fingerprint_const()'::regprocedure;
-- '' means "rerun before.sql and after.sql next time".
SELECT shoal.set_rerun_fingerprint('');
SELECT shoal.rerun_fingerprint() = '' AS cleared;
SELECT shoal.set_rerun_fingerprint('it''s "odd" \n');
SELECT shoal.rerun_fingerprint(), public.mig_rerun_fingerprint_const();
SELECT error_of($$SELECT shoal.set_rerun_fingerprint(NULL)$$);
-- A function written by hand that is not a constant is refused, not run.
CREATE OR REPLACE FUNCTION public.mig_rerun_fingerprint_const() RETURNS text LANGUAGE sql AS $$ SELECT current_user::text $$;
SELECT error_of($$SELECT shoal.rerun_fingerprint()$$);
DROP FUNCTION public.mig_rerun_fingerprint_const();
SELECT shoal.rerun_fingerprint();
