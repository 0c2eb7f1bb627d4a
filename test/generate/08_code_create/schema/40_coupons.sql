CREATE TABLE coupons (
    code text PRIMARY KEY CHECK (is_code(code)),
    user_id bigint REFERENCES users (id)
);
