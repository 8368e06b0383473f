-- Sub-agents (issue 16): a child session runs one `task` of its parent's turn. It belongs to the
-- parent's user, is deleted with the parent, and is kept out of the user's top-level list.
-- depth: 0 for a session the user made, parent's depth + 1 for a child (bounded by MAESTRO_SUBAGENT_MAX_DEPTH).
-- workspace_session_id: whose workspace the session's tools work in (null: its own); a child uses its parent's.
ALTER TABLE session ADD COLUMN parent_session_id uuid REFERENCES session (id) ON DELETE CASCADE;
ALTER TABLE session ADD COLUMN depth int NOT NULL DEFAULT 0;
ALTER TABLE session ADD COLUMN workspace_session_id uuid;
CREATE INDEX session_children ON session (parent_session_id, created_at) WHERE parent_session_id IS NOT NULL;
