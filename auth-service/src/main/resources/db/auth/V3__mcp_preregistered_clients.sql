-- A client an admin registered at an MCP server's authorization server by hand (for servers without
-- dynamic registration): one per MCP server (tool-service's server id). Its endpoints are learnt from
-- discovery at each sign-in, so they are unknown until the first one.
ALTER TABLE oauth_client ADD COLUMN mcp_server_id text UNIQUE;
ALTER TABLE oauth_client ALTER COLUMN authorize_url DROP NOT NULL;
ALTER TABLE oauth_client ALTER COLUMN token_url DROP NOT NULL;
