CREATE INDEX users_email ON users (email);
ALTER TABLE users ADD COLUMN name text;
