-- shoal:renamed-from legacy
CREATE TABLE archive (id bigint PRIMARY KEY, payload text, user_id bigint);
ALTER TABLE archive ADD CONSTRAINT archive_user FOREIGN KEY (user_id) REFERENCES users (id);
