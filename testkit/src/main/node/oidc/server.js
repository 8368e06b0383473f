// A real OAuth 2.0 / OpenID Connect authorization server for auth-service tests (oidc-provider).
// PKCE (S256) required, refresh tokens issued and rotated on every use, access tokens living a few
// seconds. Listens on a loopback port (0 = any) and prints one JSON line {"issuer","port"} on stdout.
//
// Env: REDIRECT_URIS (comma separated), CLIENT_ID, CLIENT_SECRET, ACCESS_TTL (seconds, default 5).
// Test-only routes (never part of a real server):
//   GET  /test/stats                 → {refreshGrants, codeGrants, invalidGrants, grantErrors}
//   POST /test/config?accessTtl=N    → access-token lifetime for tokens issued from now on
//   POST /test/revoke?account=ID     → revokes that account's grant and its current refresh token
// An MCP-style protected resource (MCP authorization spec): GET /mcp answers 401 with
// WWW-Authenticate: Bearer resource_metadata="…/.well-known/oauth-protected-resource/mcp" unless the
// bearer is a live access token issued for resource <issuer>/mcp. Dynamic client registration is open.
// Interaction (login + consent) is driven by plain HTTP the test performs:
//   GET  /interaction/:uid           → {"uid","prompt"}  (prompt: login | consent)
//   POST /interaction/:uid/login     form login=<account id>
//   POST /interaction/:uid/confirm   grants the requested scopes
import http from 'node:http';
import Provider, { errors } from 'oidc-provider';

const redirectUris = (process.env.REDIRECT_URIS || 'http://127.0.0.1/callback').split(',');
const clientId = process.env.CLIENT_ID || 'maestro-test';
const clientSecret = process.env.CLIENT_SECRET || 'maestro-test-secret';
let accessTtl = Number(process.env.ACCESS_TTL || 5);

const stats = { refreshGrants: 0, codeGrants: 0, invalidGrants: 0, grantErrors: 0 };
const latestRefreshToken = new Map(); // accountId → RefreshToken model

let provider;
const server = http.createServer((req, res) => {
  handle(req, res).catch((err) => {
    console.error('test server error', err);
    if (!res.headersSent) { res.statusCode = 500; res.end(String(err)); }
  });
});

function json(res, status, body) {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(body));
}

async function readForm(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

async function handle(req, res) {
  const url = new URL(req.url, 'http://127.0.0.1');
  if (url.pathname === '/test/stats') return json(res, 200, stats);
  if (url.pathname === '/test/config' && req.method === 'POST') {
    if (url.searchParams.has('accessTtl')) accessTtl = Number(url.searchParams.get('accessTtl'));
    return json(res, 200, { accessTtl });
  }
  if (url.pathname === '/test/revoke' && req.method === 'POST') {
    const account = url.searchParams.get('account');
    const rt = latestRefreshToken.get(account);
    if (!rt) return json(res, 404, { error: 'no refresh token for ' + account });
    const grant = await provider.Grant.find(rt.grantId);
    if (grant) await grant.destroy();
    await rt.destroy();
    return json(res, 200, { revoked: account });
  }
  if (url.pathname === '/.well-known/oauth-protected-resource/mcp') {
    return json(res, 200, {
      resource: `${provider.issuer}/mcp`,
      authorization_servers: [provider.issuer],
      scopes_supported: ['mcp:tools'],
      bearer_methods_supported: ['header'],
    });
  }
  if (url.pathname === '/mcp') {
    const auth = req.headers.authorization || '';
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : null;
    const at = token ? await provider.AccessToken.find(token) : undefined;
    const resource = `${provider.issuer}/mcp`;
    if (!at || at.isExpired || at.aud !== resource) {
      res.setHeader('WWW-Authenticate',
        `Bearer resource_metadata="${provider.issuer}/.well-known/oauth-protected-resource/mcp"`);
      return json(res, 401, { error: 'invalid_token' });
    }
    return json(res, 200, { ok: true, sub: at.accountId });
  }
  const m = url.pathname.match(/^\/interaction\/([^/]+)(\/login|\/confirm)?$/);
  if (m) {
    const details = await provider.interactionDetails(req, res);
    if (!m[2]) return json(res, 200, { uid: details.uid, prompt: details.prompt.name });
    if (m[2] === '/login') {
      const form = await readForm(req);
      const login = form.get('login');
      if (!login) return json(res, 400, { error: 'login required' });
      return provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
    }
    const { prompt: { details: missing }, params, session: { accountId } } = details;
    const grant = details.grantId ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId, clientId: params.client_id });
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    if (missing.missingResourceScopes) {
      for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes)) {
        grant.addResourceScope(indicator, scopes.join(' '));
      }
    }
    const grantId = await grant.save();
    return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }
  return provider.callback()(req, res);
}

server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  provider = new Provider(issuer, {
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: redirectUris,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      registration: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => undefined,
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx, resourceIndicator) => {
          if (resourceIndicator !== `${issuer}/mcp`) throw new errors.InvalidTarget();
          return { scope: 'mcp:tools', audience: resourceIndicator, accessTokenFormat: 'opaque', accessTokenTTL: accessTtl };
        },
      },
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: () => true,
    ttl: {
      AccessToken: () => accessTtl,
      RefreshToken: () => 24 * 3600,
      Grant: () => 24 * 3600,
      Session: () => 24 * 3600,
      Interaction: () => 3600,
      AuthorizationCode: () => 60,
      IdToken: () => 3600,
    },
    findAccount: async (ctx, id) => ({ accountId: id, claims: async () => ({ sub: id }) }),
    cookies: { keys: ['maestro-test-cookie-key'] },
    clockTolerance: 0, // expired means expired: the tests rely on short-lived tokens really dying
  });
  provider.on('grant.success', (ctx) => {
    if (ctx.oidc.params.grant_type === 'refresh_token') stats.refreshGrants += 1;
    if (ctx.oidc.params.grant_type === 'authorization_code') stats.codeGrants += 1;
  });
  provider.on('grant.error', (ctx, err) => {
    stats.grantErrors += 1;
    if (err.error === 'invalid_grant') stats.invalidGrants += 1;
  });
  provider.on('refresh_token.saved', (token) => latestRefreshToken.set(token.accountId, token));
  provider.on('server_error', (ctx, err) => console.error('server_error', err));
  process.stdout.write(JSON.stringify({ issuer, port }) + '\n');
});
