CREATE VIEW big_orders AS
    SELECT id, user_id, total FROM orders WHERE total > 100;
-- Reads a view and calls a routine: created after both.
CREATE VIEW big_order_labels AS
    SELECT id, label(id::integer) AS label FROM big_orders;
CREATE VIEW order_notes AS
    SELECT id, note FROM orders;
CREATE MATERIALIZED VIEW user_totals AS
    SELECT user_id, sum(total) AS total FROM orders GROUP BY user_id;
CREATE UNIQUE INDEX user_totals_user ON user_totals (user_id);

CREATE FUNCTION insert_big_order() RETURNS trigger
    LANGUAGE plpgsql
    AS $$ BEGIN INSERT INTO orders (user_id, total) VALUES (NEW.user_id, NEW.total); RETURN NEW; END $$;
CREATE TRIGGER big_orders_insert INSTEAD OF INSERT ON big_orders
    FOR EACH ROW EXECUTE FUNCTION insert_big_order();

COMMENT ON VIEW big_orders IS 'Orders over 100';
COMMENT ON MATERIALIZED VIEW user_totals IS 'Refreshed nightly';
