-- The MCP revision each server spoke when last connected (e.g. 2025-11-25, 2026-07-28): shown while it is not
-- connected, and where the next connection (after a restart too) starts, so a 2025 server is not probed with
-- server/discover again. Cleared when the server's command, arguments, transport or URL change.
ALTER TABLE mcp_server ADD COLUMN protocol_version text;
