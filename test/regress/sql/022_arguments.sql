-- Bad calls fail with a clear message and SQLSTATE before anything happens.
SELECT error_of($$SELECT shoal.mig_apply('t022_missing', '022.a.t022', 'c')$$);
SELECT error_of($$SELECT shoal.mig_apply(NULL, '022.a.t022', 'c')$$);
SELECT error_of($$SELECT shoal.mig_apply('public', NULL, 'c')$$);
SELECT error_of($$SELECT shoal.mig_apply('public', '022.a.t022', NULL)$$);
SELECT error_of($$SELECT shoal.mig_undo('t022_missing', '022.a.t022', 'c')$$);
SELECT error_of($$SELECT shoal.mig_forget('t022_missing', '022.a.t022')$$);
-- Only READ COMMITTED: a REPEATABLE READ snapshot could predate the schema lock.
CREATE SCHEMA t022;
SELECT shoal.stage('022.a.t022', 'up', 'c', ARRAY['SELECT 1'], ARRAY['f:1']);
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT error_of($$SELECT shoal.mig_apply('t022', '022.a.t022', 'c')$$);
COMMIT;
BEGIN ISOLATION LEVEL SERIALIZABLE;
SELECT error_of($$SELECT shoal.mig_mark('t022', '022.a.t022', 'c')$$);
COMMIT;
SELECT versions FROM shoal.stamps() WHERE schema = 't022';
-- The internal runner refuses inconsistent input on its own.
SELECT error_of($$SELECT shoal.run_script('t022', '022.a.t022', ARRAY['SELECT 1'], '{}')$$);
SELECT error_of($$SELECT shoal.run_script('t022', '022.a.t022', ARRAY[NULL::text], ARRAY['f:1'])$$);
SELECT shoal.run_script('t022', '022.a.t022', '{}', '{}');
