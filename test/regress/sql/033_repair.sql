-- Repair by hand stays coherent. mig_forget takes only a schema's latest version
-- (forgetting one in the middle left a stamp that every later plan reads as a
-- timeline violation), and a forget or mark by hand makes the node's stored digest
-- stale, so deploy gates fail until the next full run stores it again.
CREATE SCHEMA t033;
SELECT shoal.mig_mark('t033', '033.a.t033', 'a');
SELECT shoal.mig_mark('t033', '034.b.t033', 'b');
SELECT shoal.mig_mark('t033', '035.c.t033', 'c');
SELECT shoal.set_digest('20241107201239.0123456789abcdef');
-- Not the latest: refused as undo refuses it, and nothing changes.
SELECT error_of($$SELECT shoal.mig_forget('t033', '034.b.t033')$$);
SELECT t033.mig_versions_const(), shoal.digest();
-- From the newest down.
SELECT shoal.mig_forget('t033', '035.c.t033');
SELECT shoal.mig_forget('t033', '034.b.t033');
SELECT t033.mig_versions_const();
-- The stored digest now compares below every code digest (it has no '.').
SELECT shoal.digest(), public.mig_digest_const();
SELECT version, action FROM shoal.event WHERE schema = 't033' ORDER BY id;
-- A mark by hand does the same; a mark or forget that changes nothing does not.
SELECT shoal.set_digest('20241107201239.0123456789abcdef');
SELECT shoal.mig_mark('t033', '033.a.t033', 'a');
SELECT shoal.mig_forget('t033', '039.none.t033');
SELECT shoal.digest();
SELECT shoal.mig_mark('t033', '036.d.t033', 'd');
SELECT shoal.digest();
-- While a run holds the lock (the coordinator marking a solo version on a
-- worker connection) the digest is left to that run, which stores it at the end.
SELECT shoal.set_digest('20241107201239.0123456789abcdef');
SELECT shoal.lock_run('regress run', 'd');
SELECT shoal.mig_mark('t033', '037.e.t033', 'e');
SELECT shoal.unlock_run();
SELECT shoal.digest();
SELECT shoal.mig_forget('t033', '037.e.t033');
-- Without a stored digest there is nothing to make stale: none is created.
DROP FUNCTION public.mig_digest_const();
SELECT shoal.mig_forget('t033', '036.d.t033');
SELECT shoal.digest(), to_regprocedure('public.mig_digest_const()') AS digest_function;
DROP SCHEMA t033 CASCADE;
