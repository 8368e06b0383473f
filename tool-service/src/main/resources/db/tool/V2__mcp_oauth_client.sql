-- A pre-registered OAuth client of an HTTP MCP server, as shown by the API: {clientId, hasClientSecret}.
-- The secret itself is kept encrypted by auth-service (AuthService.setMcpOAuthClient), never here.
ALTER TABLE mcp_server ADD COLUMN oauth_client jsonb;
