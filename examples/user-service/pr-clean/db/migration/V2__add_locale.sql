-- Team: identity
-- Risk: low
-- Rollback: ALTER TABLE users DROP COLUMN locale;
ALTER TABLE users ADD COLUMN locale text;
