-- Which owner holds the session live (null: passivated). Counted per user, ignoring owners that are
-- gone, to cap the live sessions of one user across the cluster.
ALTER TABLE session ADD COLUMN live_owner text;
CREATE INDEX session_live_by_user ON session (user_id) WHERE live_owner IS NOT NULL;
