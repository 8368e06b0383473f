-- Projects (issue 15): git repositories on the tool-service host, who may use them, the sessions that
-- work in a worktree of one, and the checkpoints taken before their turns.
CREATE TABLE project (
  id text PRIMARY KEY,
  name text NOT NULL UNIQUE,
  path text NOT NULL UNIQUE,
  git_url text,
  cloned boolean NOT NULL DEFAULT false,
  default_branch text NOT NULL DEFAULT '',
  status text NOT NULL DEFAULT 'ready',
  error text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE project_member (
  project_id text NOT NULL REFERENCES project(id) ON DELETE CASCADE,
  user_id text NOT NULL,
  PRIMARY KEY (project_id, user_id)
);
CREATE TABLE project_session (
  session_id text PRIMARY KEY,
  project_id text NOT NULL REFERENCES project(id),
  user_id text NOT NULL,
  branch text NOT NULL,
  base_ref text NOT NULL,
  base_commit text NOT NULL,
  worktree text NOT NULL,
  rules jsonb NOT NULL DEFAULT '[]'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX project_session_project ON project_session(project_id);
CREATE TABLE project_checkpoint (
  id text PRIMARY KEY,
  session_id text NOT NULL REFERENCES project_session(session_id) ON DELETE CASCADE,
  turn_id text,
  commit_sha text NOT NULL,
  files_changed jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX project_checkpoint_session ON project_checkpoint(session_id, created_at DESC);
