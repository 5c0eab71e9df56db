-- The append-only trigger of 001 fires for each row on UPDATE and DELETE; TRUNCATE removes rows
-- without firing row triggers, so one statement could empty the log. Refuse it too.
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
