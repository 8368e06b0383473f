-- Schema `session`: sessions, their messages and turns, and agent templates.

CREATE TABLE template (
  id uuid PRIMARY KEY,
  user_id text NOT NULL,
  name text NOT NULL,
  description text NOT NULL DEFAULT '',
  provider text NOT NULL,
  model text NOT NULL,
  system_prompt text NOT NULL DEFAULT '',
  tools jsonb,                         -- null: every enabled tool; [] : none
  params jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX template_by_user ON template (user_id, updated_at DESC, id DESC);

CREATE TABLE session (
  id uuid PRIMARY KEY,
  user_id text NOT NULL,
  title text NOT NULL DEFAULT '',
  provider text NOT NULL,
  model text NOT NULL,
  credential_id text,
  template_id uuid,
  system_prompt text NOT NULL DEFAULT '',
  tools jsonb,                         -- null: every enabled tool; [] : none
  params jsonb NOT NULL DEFAULT '{}',  -- maxTokens, temperature, maxToolRounds, extras
  forked_from uuid,
  message_count int NOT NULL DEFAULT 0,
  input_tokens bigint NOT NULL DEFAULT 0,
  output_tokens bigint NOT NULL DEFAULT 0,
  cache_read_tokens bigint NOT NULL DEFAULT 0,
  cache_write_tokens bigint NOT NULL DEFAULT 0,
  cost_usd double precision NOT NULL DEFAULT 0,
  -- seq numbers below this ceiling may have been published; a new owner starts above it
  seq_ceiling bigint NOT NULL DEFAULT 0,
  title_tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', title)) STORED,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX session_by_user ON session (user_id, updated_at DESC, id DESC);
CREATE INDEX session_title_tsv ON session USING gin (title_tsv);

CREATE TABLE turn (
  id uuid PRIMARY KEY,
  session_id uuid NOT NULL REFERENCES session (id) ON DELETE CASCADE,
  status text NOT NULL,                -- running | complete | cancelled | error | interrupted
  error jsonb,
  owner_node text,
  started_at timestamptz NOT NULL DEFAULT now(),
  ended_at timestamptz
);
CREATE INDEX turn_running ON turn (session_id) WHERE status = 'running';

CREATE TABLE message (
  id uuid PRIMARY KEY,
  session_id uuid NOT NULL REFERENCES session (id) ON DELETE CASCADE,
  ordinal int NOT NULL,
  turn_id uuid,
  role text NOT NULL,                  -- user | assistant | tool | summary
  content jsonb NOT NULL DEFAULT '[]',
  status text NOT NULL,                -- complete | streaming | interrupted | error | cancelled
  usage jsonb,
  -- compacted: replaced in the model's context by a later summary message (kept for history)
  compacted boolean NOT NULL DEFAULT false,
  text_content text NOT NULL DEFAULT '',
  text_tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', text_content)) STORED,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (session_id, ordinal)
);
CREATE INDEX message_text_tsv ON message USING gin (text_tsv);
