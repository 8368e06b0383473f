-- RFC 9207: the authorization server an MCP sign-in was sent to, so the callback's iss can be checked
-- against it (mix-up attacks), and whether that server promised to always send iss.
ALTER TABLE oauth_state ADD COLUMN issuer text;
ALTER TABLE oauth_state ADD COLUMN iss_required boolean NOT NULL DEFAULT false;
