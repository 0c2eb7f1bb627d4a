-- A stamp that is not a plain SELECT of a literal (written by hand) is read by
-- calling it; one without the stamp function has no versions.
CREATE SCHEMA t017_hand;
CREATE FUNCTION t017_hand.mig_versions_const() RETURNS text LANGUAGE sql AS $$ SELECT '["017.a.t017"]'::text || '' $$;
CREATE SCHEMA t017_none;
SELECT * FROM shoal.stamps() WHERE schema LIKE 't017%' ORDER BY schema;
SELECT shoal.mig_mark('t017_hand', '018.b.t017', 'b');
SELECT t017_hand.mig_versions_const();
-- pg-mig's form of an empty stamp.
SELECT shoal.mig_forget('t017_hand', '017.a.t017'), shoal.mig_forget('t017_hand', '018.b.t017');
SELECT t017_hand.mig_versions_const(), (SELECT versions FROM shoal.stamps() WHERE schema = 't017_hand');
-- mig_versions_const() is authoritative: shoal's data without it counts for nothing.
CREATE FUNCTION t017_none.shoal_stamp_const() RETURNS text LANGUAGE sql AS $$ SELECT '{"017.a.t017": {"checksum": "x"}}'; $$;
SELECT * FROM shoal.stamps() WHERE schema = 't017_none';
