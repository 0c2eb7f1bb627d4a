-- shoal 1.2 -> 1.3: an apply in C. Same interface, same stamps, same results.
--
-- add_version, the body of every mig_apply and mig_mark, was PL/pgSQL, and its
-- per-statement cost (the checks, the JSON, each helper's own search_path, the
-- calls between them) was most of what an apply costs beyond the migration's own
-- statements. In C (extension/add_version.cpp) it reads the stamp from the
-- catalog cache, plans its two queries once per session, and appends to the
-- stamp's texts directly; mig_apply calls it without a PL/pgSQL frame. Measured in
-- docs/architecture.md, "Extension 1.3".
--
-- One behaviour differs, in stamps nobody writes: a mig_versions_const() whose
-- value is JSON but not an array of strings is refused with SH006 (1.2 failed
-- with a JSON error, or took an object's keys for versions). And trailing
-- whitespace of any kind after a stamp's closing bracket is dropped before
-- appending; 1.2 dropped only spaces and broke a stamp ending in a newline.

\echo Use "ALTER EXTENSION shoal UPDATE TO '1.3'" to load this file. \quit

CREATE OR REPLACE FUNCTION shoal.add_version(target_schema text, new_version text, new_checksum text, action text)
RETURNS text
LANGUAGE c SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'shoal_add_version';

CREATE OR REPLACE FUNCTION shoal.mig_apply(schema text, version text, checksum text) RETURNS text
LANGUAGE c SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'shoal_mig_apply';

-- The version check and the schema lock that stage() and remove_version() call
-- are the C ones add_version uses: one implementation of each.
CREATE OR REPLACE FUNCTION shoal.check_version(version text) RETURNS void
LANGUAGE c IMMUTABLE SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'shoal_check_version';

CREATE OR REPLACE FUNCTION shoal.lock_schema(target_schema text) RETURNS void
LANGUAGE c SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'shoal_lock_schema';
