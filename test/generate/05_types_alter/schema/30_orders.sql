\ir ../../03_drop/schema/30_orders.sql
