-- Fencing (issue 17): every activation of a session takes the next owner epoch, in the statement that
-- claims it live. The live copy guards its writes with its epoch (WHERE owner_epoch = $e), so a stale
-- owner — a node on the far side of a partition that still believes it owns the session — writes
-- nothing: its statements affect 0 rows and it stops itself.
ALTER TABLE session ADD COLUMN owner_epoch bigint NOT NULL DEFAULT 0;

-- The start of each tool execution, recorded (with the epoch check) before the call goes to
-- tool-service: a stale owner's insert affects 0 rows, so it never runs a tool.
CREATE TABLE tool_run (
  session_id uuid NOT NULL REFERENCES session (id) ON DELETE CASCADE,
  call_id text NOT NULL,
  turn_id uuid,
  owner_epoch bigint NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tool_run_by_session ON tool_run (session_id, started_at);
