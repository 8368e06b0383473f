CREATE TABLE tool (
  name text PRIMARY KEY,
  source text NOT NULL,
  description text NOT NULL DEFAULT '',
  input_schema jsonb NOT NULL DEFAULT '{}',
  enabled boolean NOT NULL DEFAULT true,
  policy text NOT NULL DEFAULT 'ask'
);
