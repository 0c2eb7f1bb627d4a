DROP TABLE comments;
DROP TABLE topics;
DROP FUNCTION touch_updated_at();
