-- Every secret column (*_ct) holds AES-256-GCM ciphertext: version byte, 8-byte key id, 96-bit nonce,
-- ciphertext and tag. The additional authenticated data binds each value to its table, column and
-- row, so a ciphertext copied to another row fails to decrypt. key_id names the master key used.

CREATE TABLE oauth_client (
  id uuid PRIMARY KEY,
  provider text NOT NULL,
  name text NOT NULL,
  authorize_url text NOT NULL,
  token_url text NOT NULL,
  client_id text NOT NULL,
  client_secret_ct bytea,
  key_id text,
  scopes jsonb NOT NULL DEFAULT '[]',
  extra_params jsonb NOT NULL DEFAULT '{}',
  extra_headers jsonb NOT NULL DEFAULT '{}',
  registered_for text UNIQUE,        -- dynamic registrations (MCP): '<issuer> <redirect uri>'
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE credential (
  id uuid PRIMARY KEY,
  user_id text NOT NULL,
  provider text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('api_key', 'oauth')),
  label text NOT NULL DEFAULT '',
  base_url text,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'refreshing', 'needs_reauth', 'invalid')),
  secret_ct bytea NOT NULL,          -- the API key, or the OAuth access token
  refresh_ct bytea,                  -- the OAuth refresh token
  key_id text NOT NULL,
  masked_secret text NOT NULL,       -- e.g. sk-…abcd, computed when the secret is written
  oauth_client_id uuid REFERENCES oauth_client (id) ON DELETE SET NULL,
  expires_at timestamptz,
  next_refresh_at timestamptz,       -- NULL: nothing to refresh
  refresh_failures int NOT NULL DEFAULT 0,
  refresh_count bigint NOT NULL DEFAULT 0,
  refreshed_at timestamptz,          -- last successful refresh
  last_error text,
  mcp_server_id text,                -- set for an MCP server's login (tool-service's server id)
  resource text,                     -- RFC 8707 resource the tokens are for (MCP)
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX credential_mcp ON credential (mcp_server_id) WHERE mcp_server_id IS NOT NULL;

CREATE INDEX credential_user ON credential (user_id, created_at);
CREATE INDEX credential_due ON credential (next_refresh_at) WHERE next_refresh_at IS NOT NULL;

CREATE TABLE oauth_state (
  state text PRIMARY KEY,
  user_id text NOT NULL,
  provider text NOT NULL,
  label text NOT NULL,
  oauth_client_id uuid NOT NULL REFERENCES oauth_client (id) ON DELETE CASCADE,
  redirect_uri text NOT NULL,
  verifier_ct bytea NOT NULL,        -- the PKCE code verifier
  mcp_server_id text,
  resource text,
  key_id text NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
