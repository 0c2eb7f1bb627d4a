-- A column goes: dropped and created, with the view that reads it and its
-- INSTEAD OF trigger (migra #120).
CREATE VIEW big_orders AS
    SELECT id, total FROM orders WHERE total > 100;
-- label(integer) is recreated: so is this view, which calls it.
CREATE VIEW big_order_labels AS
    SELECT id, label(id::integer) AS label FROM big_orders;
-- A column appended: CREATE OR REPLACE VIEW.
CREATE VIEW order_notes AS
    SELECT id, note, total FROM orders;
-- Any change recreates a materialized view, and its index.
CREATE MATERIALIZED VIEW user_totals AS
    SELECT user_id, sum(total) AS total, count(*) AS orders FROM orders GROUP BY user_id;
CREATE UNIQUE INDEX user_totals_user ON user_totals (user_id);

CREATE FUNCTION insert_big_order() RETURNS trigger
    LANGUAGE plpgsql
    AS $$ BEGIN INSERT INTO orders (user_id, total) VALUES (1, NEW.total); RETURN NEW; END $$;
CREATE TRIGGER big_orders_insert INSTEAD OF INSERT ON big_orders
    FOR EACH ROW EXECUTE FUNCTION insert_big_order();

COMMENT ON VIEW big_orders IS 'Orders over 100';
COMMENT ON MATERIALIZED VIEW user_totals IS 'Refreshed nightly';
