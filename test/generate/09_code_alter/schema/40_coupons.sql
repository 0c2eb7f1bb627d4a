CREATE TABLE coupons (
    code text PRIMARY KEY CHECK (is_code(code)),
    user_id bigint REFERENCES users (id)
);
CREATE TRIGGER coupons_upper BEFORE INSERT ON coupons
    FOR EACH ROW EXECUTE FUNCTION upper_code();
