DROP TABLE legacy;
DROP TABLE users;
