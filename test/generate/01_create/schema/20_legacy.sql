CREATE TABLE legacy (id bigint PRIMARY KEY, payload text);
