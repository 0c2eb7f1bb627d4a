-- The digest of the last full run, stored where pg-mig's deploy gates read it.
SELECT shoal.digest();
SELECT shoal.set_digest('20241107201239.0123456789abcdef');
SELECT shoal.digest();
-- pg-mig's query (Dest.loadDigests).
SELECT digest FROM public.mig_digest_const() AS digest;
SELECT prosrc FROM pg_proc WHERE oid = 'public.mig_digest_const()'::regprocedure;
SELECT shoal.set_digest('20241201204837.fedcba');
SELECT shoal.digest();
SELECT shoal.set_digest('it''s odd');
SELECT shoal.digest(), public.mig_digest_const();
SELECT error_of($$SELECT shoal.set_digest(NULL)$$);
DROP FUNCTION public.mig_digest_const();
