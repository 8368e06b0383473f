-- A provider sign-in may target a proxy, gateway or compatible server (the credential's baseUrl, as for
-- API keys): the start request carries it, the callback copies it onto the credential.
ALTER TABLE oauth_state ADD COLUMN base_url text;
