-- Topics and their comments, with limits the application shares: psql variables
-- set here and interpolated below (:max_title), resolved by shoal before it runs.
\set max_title 200
\set max_body 10000
\ir include/touch_updated_at.sql

CREATE TABLE topics (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  company_id bigint NOT NULL REFERENCES companies ON DELETE CASCADE,
  author_id bigint NOT NULL REFERENCES users,
  title text NOT NULL CHECK (length(title) <= :max_title),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX topics_company_id ON topics (company_id);

CREATE TABLE comments (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  topic_id bigint NOT NULL REFERENCES topics ON DELETE CASCADE,
  author_id bigint NOT NULL REFERENCES users,
  body text NOT NULL CHECK (length(body) <= :max_body),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TRIGGER topics_touch BEFORE UPDATE ON topics
  FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TRIGGER comments_touch BEFORE UPDATE ON comments
  FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
