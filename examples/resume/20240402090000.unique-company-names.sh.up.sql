-- Company names become unique per shard, whatever their case. Shards holding
-- case-variant duplicates fail this version (only those shards, only this
-- version: the build fails and shoal drops the invalid index it leaves);
-- fix-duplicate-company-names.sql renames the duplicates, and the next
-- `shoal apply` finishes exactly those shards.
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS companies_lower_name
  ON companies (lower(name));
