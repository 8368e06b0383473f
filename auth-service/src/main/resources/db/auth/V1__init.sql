CREATE TABLE credential (
  id uuid PRIMARY KEY,
  user_id text NOT NULL,
  provider text NOT NULL,
  kind text NOT NULL,
  label text NOT NULL DEFAULT '',
  base_url text,
  status text NOT NULL DEFAULT 'active',
  created_at timestamptz NOT NULL DEFAULT now()
);
