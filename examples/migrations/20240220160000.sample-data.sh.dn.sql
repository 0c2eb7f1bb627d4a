TRUNCATE comments, topics, memberships, companies, users RESTART IDENTITY;
