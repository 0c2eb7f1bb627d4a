-- Demo data, so the versions after this one have rows to work on (a real
-- application writes rows; its migrations do not). Every shard gets 40 users,
-- 5 companies, 20 topics and 100 comments. Shards whose number ends in 07 or 57
-- also get 'ACME Inc' beside 'Acme Inc', the kind of case-variant duplicate that
-- data imported from an older system has; examples/resume/ trips over it.
INSERT INTO users (email, name)
SELECT format('user%s@%s', i, (ARRAY['example.com', 'Example.org', 'mail.test'])[i % 3 + 1]),
       format('User %s', i)
FROM generate_series(1, 40) AS i;

INSERT INTO companies (name)
SELECT unnest(ARRAY['Acme Inc', 'Globex', 'Initech', 'Umbrella', 'Hooli']);
INSERT INTO companies (name)
SELECT 'ACME Inc' WHERE substring(current_schema() FROM 3)::int % 50 = 7;

INSERT INTO memberships (company_id, user_id, role)
SELECT c.id, u.id, CASE WHEN u.id % 8 = 1 THEN 'owner' ELSE 'member' END
FROM users AS u JOIN companies AS c ON c.id = u.id % 5 + 1;

INSERT INTO topics (company_id, author_id, title)
SELECT i % 5 + 1, i * 2, format('Topic %s', i)
FROM generate_series(1, 20) AS i;

INSERT INTO comments (topic_id, author_id, body)
SELECT i % 20 + 1, i % 40 + 1, format('Comment %s', i)
FROM generate_series(1, 100) AS i;
