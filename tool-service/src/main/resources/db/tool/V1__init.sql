-- Every tool Maestro can offer a model: built-ins and tools discovered on MCP servers.
-- enabled/policy are the user's choices; description/input_schema are refreshed on discovery.
CREATE TABLE tool (
  name text PRIMARY KEY,
  source text NOT NULL,
  description text NOT NULL DEFAULT '',
  input_schema jsonb NOT NULL DEFAULT '{}',
  enabled boolean NOT NULL DEFAULT true,
  policy text NOT NULL DEFAULT 'ask' CHECK (policy IN ('allow', 'ask', 'deny')),
  remote_name text
);
CREATE INDEX tool_source_idx ON tool (source);

-- MCP servers configured through the API.
CREATE TABLE mcp_server (
  id text PRIMARY KEY,
  name text NOT NULL UNIQUE,
  transport text NOT NULL CHECK (transport IN ('stdio', 'http')),
  command text,
  args jsonb NOT NULL DEFAULT '[]',
  env jsonb NOT NULL DEFAULT '{}',
  url text,
  headers jsonb NOT NULL DEFAULT '{}',
  enabled boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now()
);
