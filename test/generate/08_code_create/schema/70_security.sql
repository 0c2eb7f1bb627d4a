ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY orders_own ON orders FOR SELECT
    USING (user_id = current_setting('app.user_id')::bigint);
CREATE POLICY orders_insert ON orders FOR INSERT TO postgres
    WITH CHECK (total < 1000);
ALTER TABLE coupons ENABLE ROW LEVEL SECURITY;
ALTER TABLE coupons FORCE ROW LEVEL SECURITY;
CREATE POLICY coupons_all ON coupons USING (true);
COMMENT ON POLICY orders_own ON orders IS 'A user sees their own orders';
