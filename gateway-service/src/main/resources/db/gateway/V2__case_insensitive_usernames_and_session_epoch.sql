-- Usernames are unique regardless of case: 'Alice' and 'alice' are one person, and a login may
-- use any case. Rows that already collide keep working: the oldest (created_at, then id) keeps its
-- name, every later one is renamed to '<name>~<its id>' (which cannot collide with another row,
-- nor with a new name, as '~' is not allowed in usernames) and must sign in with that name; an admin
-- can rename it afterwards.
UPDATE app_user u SET username = u.username || '~' || u.id::text, updated_at = now()
FROM (SELECT id, row_number() OVER (PARTITION BY lower(username) ORDER BY created_at, id) AS rn FROM app_user) d
WHERE u.id = d.id AND d.rn > 1;
CREATE UNIQUE INDEX app_user_username_lower ON app_user (lower(username));

-- Bumped by every password change or reset: a browser session remembers the epoch it signed in
-- under and is refused once the user's epoch moved on (see SessionGuard).
ALTER TABLE app_user ADD COLUMN session_epoch integer NOT NULL DEFAULT 0;
