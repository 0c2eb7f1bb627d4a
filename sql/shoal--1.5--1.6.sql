-- shoal 1.5 -> 1.6: the stamp in one file (issue 17). Same interface, stamps and
-- results. What changed and why is in docs/architecture.md, "Extension 1.6".

\echo Use "ALTER EXTENSION shoal UPDATE TO '1.6'" to load this file. \quit

-- Undo and forget read, cut and write a stamp with the same C code as apply and
-- mark (extension/stamp.cpp, entry point in extension/versions.cpp), instead of
-- PL/pgSQL around stamp_arrays() and write_stamp(). What differs, only for stamps
-- written by hand: a mig_versions_const() that is JSON but not an array of
-- version names is refused with SH006, as apply and mark refuse it since 1.3
-- (1.5 failed with a JSON error), and the error of a failing dn statement no
-- longer carries PL/pgSQL context lines, only shoal's
-- `migration V, statement N of M, at FILE:LINE`.
CREATE OR REPLACE FUNCTION shoal.remove_version(target_schema text, old_version text, dn_checksum text, action text)
RETURNS text
LANGUAGE c SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'shoal_remove_version';
