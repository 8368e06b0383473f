-- How a stdio MCP server is sandboxed (bubblewrap): whether it gets the host's network (admin's choice,
-- default none) and which host paths it sees besides the system, as ["/path" (read-only) | "/path:rw"].
ALTER TABLE mcp_server ADD COLUMN network boolean NOT NULL DEFAULT false;
ALTER TABLE mcp_server ADD COLUMN mounts jsonb NOT NULL DEFAULT '[]'::jsonb;
