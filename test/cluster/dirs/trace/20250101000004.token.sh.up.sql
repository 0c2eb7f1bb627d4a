-- Rewrites users (a volatile default) under ACCESS EXCLUSIVE: the trace must see both.
-- shoal:ignore adding-field-with-default the trace test needs a rewrite
ALTER TABLE users ADD COLUMN token double precision DEFAULT random();
