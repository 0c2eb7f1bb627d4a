-- 1.2: a stamp's literal is read in C; exactly the forms the 1.0 expression
-- ^\s*SELECT\s+'((?:[^']|'')*)'\s*;?\s*$ accepted, the rest is error SH006.
SELECT src, shoal.const_value('s', 'f', src) AS value
  FROM (VALUES (' SELECT ''["a","b"]''; '), ('select ''x'''), (E'\n\tSeLeCt\n''it''''s''\t;\n'),
               ('SELECT '''';'), ('SELECT ''{"v": {"checksum": "c"}}'' ;  ')) AS t(src);
SELECT src, error_of(format('SELECT shoal.const_value(%L, %L, %L)', 'My Schema', 'f', src)) AS error
  FROM (VALUES ('SELECT''x'';'), ('SELECT E''x'';'), ('SELECT ''x'' || ''y'';'), ('SELECT ''x''; SELECT 1;'),
               ('SELECT ''x'), ('SELECT ''x'';;'), ('SELECTED ''x'';'), ('SELECT 1;'), ('')) AS t(src);
SELECT error_of($$SELECT shoal.const_value('s', 'f', NULL)$$) AS null_source;
