-- 1.2: a stamp's literal is read in C; exactly the forms the 1.0 expression
-- ^\s*SELECT\s+'((?:[^']|'')*)'\s*;?\s*$ accepted, the rest is error SH006.
SELECT src, shoal.const_value('s', 'f', src) AS value
  FROM (VALUES (' SELECT ''["a","b"]''; '), ('select ''x'''), (E'\n\tSeLeCt\n''it''''s''\t;\n'),
               ('SELECT '''';'), ('SELECT ''{"v": {"checksum": "c"}}'' ;  ')) AS t(src);
SELECT src, error_of(format('SELECT shoal.const_value(%L, %L, %L)', 'My Schema', 'f', src)) AS error
  FROM (VALUES ('SELECT''x'';'), ('SELECT E''x'';'), ('SELECT ''x'' || ''y'';'), ('SELECT ''x''; SELECT 1;'),
               ('SELECT ''x'), ('SELECT ''x'';;'), ('SELECTED ''x'';'), ('SELECT 1;'), ('')) AS t(src);
SELECT error_of($$SELECT shoal.const_value('s', 'f', NULL)$$) AS null_source;
-- const_of(schema, name): the same, looked up in the catalog; NULL when there is no
-- such function (or schema); SH006 for a body of any other form.
CREATE SCHEMA "t031 Odd";
CREATE FUNCTION "t031 Odd".c() RETURNS text LANGUAGE sql AS $$ SELECT 'it''s'; $$;
CREATE FUNCTION "t031 Odd".f() RETURNS text LANGUAGE sql AS $$ SELECT 'a' || 'b'; $$;
CREATE FUNCTION "t031 Odd".c(x int) RETURNS text LANGUAGE sql AS $$ SELECT 'with an argument'; $$;
SELECT shoal.const_of('t031 Odd', 'c') AS value, shoal.const_of('t031 Odd', 'missing') IS NULL AS no_function,
       shoal.const_of('no_such_schema', 'c') IS NULL AS no_schema;
SELECT error_of($$SELECT shoal.const_of('t031 Odd', 'f')$$);
DROP SCHEMA "t031 Odd" CASCADE;
