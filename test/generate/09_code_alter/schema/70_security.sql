ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
-- The expression changes: ALTER POLICY.
CREATE POLICY orders_own ON orders FOR SELECT
    USING (user_id = current_setting('app.user_id', true)::bigint);
-- The command changes: dropped and created.
CREATE POLICY orders_insert ON orders FOR ALL TO postgres
    WITH CHECK (total < 1000);
CREATE POLICY orders_small ON orders AS RESTRICTIVE FOR UPDATE
    USING (total < 500);
-- No longer forced, still enabled; its policy dropped.
ALTER TABLE coupons ENABLE ROW LEVEL SECURITY;
COMMENT ON POLICY orders_own ON orders IS 'A user sees their own orders, only';
