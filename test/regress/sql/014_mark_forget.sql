-- mig_mark() and mig_forget(): manual repair that runs nothing and is recorded
-- with the role that did it.
CREATE ROLE regress_shoal_operator;
GRANT USAGE ON SCHEMA shoal TO regress_shoal_operator;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA shoal TO regress_shoal_operator;
GRANT SELECT ON ALL TABLES IN SCHEMA shoal TO regress_shoal_operator;
GRANT INSERT ON shoal.event TO regress_shoal_operator;
CREATE SCHEMA t014 AUTHORIZATION regress_shoal_operator;
SET ROLE regress_shoal_operator;
SELECT shoal.mig_mark('t014', '014.solo.t014', 'm1');
SELECT shoal.mig_mark('t014', '014.solo.t014', 'm1');
SELECT shoal.mig_mark('t014', '015.next.t014', 'm2');
SELECT t014.mig_versions_const();
-- Forget, like undo, takes the latest version only (033_repair has why).
SELECT error_of($$SELECT shoal.mig_forget('t014', '014.solo.t014')$$);
SELECT shoal.mig_forget('t014', '015.next.t014');
SELECT shoal.mig_forget('t014', '015.next.t014');
RESET ROLE;
SELECT t014.mig_versions_const();
SELECT version, action, checksum, role, detail FROM shoal.event WHERE schema = 't014' ORDER BY id;
-- Marking runs nothing: no script needs to be staged, and no table appeared.
SELECT count(*) AS scripts FROM shoal.script WHERE version LIKE '%.t014';
SELECT error_of($$SELECT shoal.mig_mark('t014', 'not-a-version', 'x')$$);
SELECT error_of($$SELECT shoal.mig_mark('t014', '016.x.t014', NULL)$$);
DROP SCHEMA t014 CASCADE;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA shoal FROM regress_shoal_operator;
REVOKE ALL ON ALL TABLES IN SCHEMA shoal FROM regress_shoal_operator;
REVOKE ALL ON SCHEMA shoal FROM regress_shoal_operator;
DROP ROLE regress_shoal_operator;
