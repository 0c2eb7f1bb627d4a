-- Back to 03_drop's schema, where 08_code_create starts: the table invoices,
-- the column users.home and every type left dropped.
\ir ../../03_drop/schema/10_users.sql
