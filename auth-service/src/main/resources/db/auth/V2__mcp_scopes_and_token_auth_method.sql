-- How an OAuth client authenticates at the token endpoint (RFC 7591 token_endpoint_auth_method:
-- client_secret_basic, client_secret_post or none). NULL: HTTP Basic when a secret is set, else none.
ALTER TABLE oauth_client ADD COLUMN token_auth_method text;

-- The scopes a sign-in asked for, kept with its login so an MCP step-up (403 insufficient_scope)
-- can ask for the old scopes plus the new ones.
ALTER TABLE oauth_state ADD COLUMN scopes jsonb;
ALTER TABLE credential ADD COLUMN scopes jsonb;
