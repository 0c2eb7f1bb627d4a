DROP INDEX CONCURRENTLY IF EXISTS comments_topic_id_created_at;
