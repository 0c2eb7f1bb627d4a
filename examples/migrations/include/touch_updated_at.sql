-- Included with \ir by the versions that add tables with an updated_at column:
-- the trigger function every such table shares, created once per shard.
CREATE OR REPLACE FUNCTION touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END $$;
