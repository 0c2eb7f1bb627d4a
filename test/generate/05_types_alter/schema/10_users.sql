\ir ../../04_types_create/schema/10_users.sql
