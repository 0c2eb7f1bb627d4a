-- mig_apply() and mig_undo() run only staged scripts: a checksum nobody staged,
-- or one staged for another version or direction, is an error.
CREATE SCHEMA t007;
SELECT shoal.stage('007.init.t007', 'up', 'a1', ARRAY['SELECT 1'], ARRAY['f:1']);
SELECT error_of($$SELECT shoal.mig_apply('t007', '007.init.t007', 'never-staged')$$);
SELECT error_of($$SELECT shoal.mig_apply('t007', '007.other.t007', 'a1')$$);
SELECT shoal.mig_apply('t007', '007.init.t007', 'a1');
SELECT error_of($$SELECT shoal.mig_undo('t007', '007.init.t007', 'a1')$$);
SELECT versions FROM shoal.stamps() WHERE schema = 't007';
