CREATE TABLE session (
  id uuid PRIMARY KEY,
  user_id text NOT NULL,
  title text NOT NULL DEFAULT '',
  provider text NOT NULL,
  model text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
