-- The result changes: dropped and created.
CREATE FUNCTION orders_of(customer bigint) RETURNS TABLE (id bigint, total numeric)
    LANGUAGE sql STABLE
    AS $$ SELECT id, total FROM orders WHERE user_id = customer $$;
-- A SQL-standard body changes: replaced in place.
CREATE FUNCTION order_total(customer bigint) RETURNS numeric
    LANGUAGE sql STABLE
BEGIN ATOMIC
    SELECT coalesce(sum(total), 0) FROM orders WHERE user_id = customer;
END;
-- An argument default is added: dropped and created.
CREATE PROCEDURE forget_orders(who bigint DEFAULT NULL)
    LANGUAGE plpgsql
    AS $$ BEGIN DELETE FROM orders WHERE user_id = who; END $$;

-- The trigger changes its events: dropped and created.
CREATE TRIGGER users_touch BEFORE INSERT ON users
    FOR EACH ROW EXECUTE FUNCTION touch();

COMMENT ON TABLE users IS 'People who order things';
COMMENT ON INDEX users_email_lower IS 'For search by prefix';
COMMENT ON CONSTRAINT users_name_length ON users IS 'Names fit a label';
COMMENT ON FUNCTION label(integer) IS 'A number''s label';
COMMENT ON PROCEDURE forget_orders(bigint) IS 'Deletes a user''s orders';
COMMENT ON TRIGGER users_touch ON users IS 'Keeps email lower case';
COMMENT ON TABLE coupons IS E'Codes of four letters\nfor one user';
COMMENT ON COLUMN coupons.code IS 'Upper case';
