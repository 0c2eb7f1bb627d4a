-- Shards hold data: undo never drops them. citext goes only once no shard uses it.
DROP FUNCTION public.ensure_shards(int, int);
DROP EXTENSION citext;
