-- Issue 16 (runtime): messages queued or steered while a turn runs, the session's plan/build mode,
-- tools a user allowed for the whole session, and whether a running turn waits for an approval.

-- A queued (mode 'queue') or steered (mode 'steer') message, acknowledged once this row is committed.
-- Its id becomes the user message's id when it starts. 'started' is set when an owner claims it; a row
-- whose message exists is done (deleted), a claimed row without one is unclaimed by the next owner.
CREATE TABLE queued_message (
  id uuid PRIMARY KEY,
  session_id uuid NOT NULL REFERENCES session (id) ON DELETE CASCADE,
  user_id text NOT NULL,
  mode text NOT NULL,                  -- queue | steer
  text text NOT NULL,
  position bigserial,
  started boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX queued_message_by_session ON queued_message (session_id, position);
CREATE INDEX queued_message_by_user ON queued_message (user_id);

ALTER TABLE session ADD COLUMN mode text NOT NULL DEFAULT 'build';   -- plan | build

-- since when the running turn waits for a user's approval (null: it does not)
ALTER TABLE turn ADD COLUMN waiting_since timestamptz;

CREATE TABLE session_tool_allow (
  session_id uuid NOT NULL REFERENCES session (id) ON DELETE CASCADE,
  tool text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (session_id, tool)
);
