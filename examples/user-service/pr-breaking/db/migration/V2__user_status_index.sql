-- Team: identity
-- Risk: medium
-- Rollback: DROP INDEX users_status_idx; ALTER TABLE users ADD COLUMN display_name text;
CREATE INDEX users_status_idx ON users (status);
ALTER TABLE users DROP COLUMN display_name;
