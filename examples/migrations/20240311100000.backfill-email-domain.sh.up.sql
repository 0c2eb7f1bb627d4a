-- A new column and its backfill in one transaction per shard: no shard is ever
-- seen with the column half filled. ADD COLUMN needs a brief exclusive lock on
-- users; waiting for it longer than 2s would stall the application's queries
-- behind us, so give up after 2s and let shoal retry the shard (up to 5 times,
-- with backoff). NOT NULL would come in later versions, the way `shoal lint`
-- explains, not as a SET NOT NULL that scans the table under that lock.
-- shoal $lock_timeout=2s
-- shoal $retries=5
ALTER TABLE users ADD COLUMN email_domain text;
UPDATE users SET email_domain = lower(split_part(email::text, '@', 2));
