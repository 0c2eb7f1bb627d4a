-- SQL bodies that read the tables: created after them.
CREATE FUNCTION orders_of(customer bigint) RETURNS SETOF orders
    LANGUAGE sql STABLE
    AS $$ SELECT * FROM orders WHERE user_id = customer $$;
CREATE FUNCTION order_total(customer bigint) RETURNS numeric
    LANGUAGE sql STABLE
BEGIN ATOMIC
    SELECT sum(total) FROM orders WHERE user_id = customer;
END;
CREATE PROCEDURE forget_orders(who bigint)
    LANGUAGE plpgsql
    AS $$ BEGIN DELETE FROM orders WHERE user_id = who; END $$;

CREATE TRIGGER users_touch BEFORE INSERT OR UPDATE OF email ON users
    FOR EACH ROW EXECUTE FUNCTION touch();

COMMENT ON TABLE users IS 'People who order';
COMMENT ON COLUMN users.email IS 'Lower case: it''s unique';
COMMENT ON INDEX users_email_lower IS 'For search by prefix';
COMMENT ON CONSTRAINT users_name_length ON users IS 'Names fit a label';
COMMENT ON FUNCTION label(integer) IS 'A number''s label';
COMMENT ON PROCEDURE forget_orders(bigint) IS 'Deletes a user''s orders';
COMMENT ON TRIGGER users_touch ON users IS 'Keeps email lower case';
COMMENT ON TABLE coupons IS E'Codes of four letters\nfor one user';
