DROP TABLE memberships;
DROP TABLE companies;
