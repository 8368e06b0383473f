package dev.maestro.auth;

import dev.maestro.auth.crypto.SecretBox;
import dev.maestro.auth.oauth.OAuthClientConfig;
import dev.maestro.contracts.ErrorCodes;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * OAuth for HTTP MCP servers, per the MCP authorization spec: protected-resource metadata
 * (RFC 9728, found through the 401's {@code WWW-Authenticate: Bearer resource_metadata=…} or the
 * well-known path), authorization-server metadata (RFC 8414, then OpenID discovery), dynamic client
 * registration (RFC 7591, one public client per authorization server and redirect URI, reused),
 * then the same PKCE flow with the RFC 8707 {@code resource} parameter. The requested scope is the
 * challenge's {@code scope=} when present, else the resource's {@code scopes_supported}; a 403
 * {@code insufficient_scope} challenge (step-up) asks for the current login's scopes plus the new ones.
 * The token endpoint authentication follows the registered {@code token_endpoint_auth_method}. Tokens live in the
 * credential table (provider {@code mcp}) and are refreshed like any other.
 */
public final class McpAuth {
  private static final Pattern RESOURCE_METADATA = Pattern.compile("resource_metadata=\"([^\"]+)\"");
  /** The challenge's scope parameter (RFC 6750 §3), quoted or not; not the "scope" inside error="insufficient_scope". */
  private static final Pattern SCOPE = Pattern.compile("(?i)(?:^|[\\s,])scope\\s*=\\s*(?:\"([^\"]*)\"|([^\\s,\"]+))");
  private static final Pattern INSUFFICIENT_SCOPE = Pattern.compile("(?i)(?:^|[\\s,])error\\s*=\\s*\"?insufficient_scope\"?");

  private final Pool pool;
  /** Every URL fetched here is named by the MCP server or its authorization server: all go through the policy. */
  private final Outbound web;
  private final SecretBox box;
  private final OAuthClientStore clients;
  private final OAuthFlows flows;
  private final TokenRefresher refresher;
  /** Maestro's client ID metadata document URL (used as client_id where the server supports it), or null. */
  private final String clientMetadataUrl;

  McpAuth(Pool pool, Outbound web, SecretBox box, OAuthClientStore clients, OAuthFlows flows, TokenRefresher refresher,
                 String clientMetadataUrl) {
    this.clientMetadataUrl = clientMetadataUrl;
    this.pool = pool;
    this.web = web;
    this.box = box;
    this.clients = clients;
    this.flows = flows;
    this.refresher = refresher;
  }

  record Discovery(String resource, String issuer, JsonObject as, JsonArray scopes) {}

  public Future<JsonObject> start(String userId, String serverId, JsonObject body, String redirectUri) {
    JsonObject in = (body == null ? new JsonObject() : body.copy()).put("serverId", serverId).put("redirectUri", redirectUri);
    Fields f = Fields.of(in);
    f.requiredString("serverId", 200);
    String serverUrl = f.url("serverUrl", true);
    String www = f.optionalString("wwwAuthenticate", 4000);
    String label = f.optionalString("label", 200);
    String redirect = f.url("redirectUri", true);
    JsonArray scopes = in.containsKey("scopes") ? f.stringArray("scopes") : null;
    f.check("MCP sign-in request");
    JsonArray challengeScopes = challengeScopes(www);
    boolean stepUp = www != null && INSUFFICIENT_SCOPE.matcher(www).find();
    return discover(serverUrl, www)
        .compose(d -> clientFor(d, redirect, serverId).map(cfgId -> new Object[] {d, cfgId}))
        .compose(pair -> {
          Discovery d = (Discovery) pair[0];
          // Scope selection (MCP authorization, "scope selection strategy"): explicit scopes of the caller,
          // else the challenge's scope=, else all of the resource's scopes_supported, else none.
          JsonArray wanted = scopes != null ? scopes : challengeScopes != null ? challengeScopes : d.scopes();
          // Step-up after 403 insufficient_scope: keep what the current login has and add what is missing.
          Future<JsonArray> requested = stepUp ? previousScopes(serverId).map(old -> union(old, wanted)) : Future.succeededFuture(wanted);
          return requested.compose(sc -> clients.config(pool, (String) pair[1]).compose(cfg -> flows.begin(userId, "mcp",
                  label == null ? "MCP " + serverId : label, cfg, redirect, serverId, d.resource(), sc, null,
                  metadataIssuer(d), Boolean.TRUE.equals(d.as().getValue("authorization_response_iss_parameter_supported")))
              .map(r -> r.put("authorizationServer", d.issuer()))));
        });
  }

  /**
   * The issuer the callback's {@code iss} must equal (RFC 9207 §2.4: the metadata's {@code issuer},
   * compared as a string), falling back to the issuer URL discovery used when the metadata has none.
   */
  static String metadataIssuer(Discovery d) {
    return d.as().getValue("issuer") instanceof String s && !s.isBlank() ? s : d.issuer();
  }

  /** The scopes of the challenge's scope= (space separated), or null when it has none. */
  static JsonArray challengeScopes(String wwwAuthenticate) {
    if (wwwAuthenticate == null) return null;
    Matcher m = SCOPE.matcher(wwwAuthenticate);
    if (!m.find()) return null;
    String value = m.group(1) != null ? m.group(1) : m.group(2);
    JsonArray out = new JsonArray();
    for (String s : value.trim().split("\\s+")) if (!s.isEmpty() && !out.contains(s)) out.add(s);
    return out;
  }

  static JsonArray union(JsonArray first, JsonArray second) {
    LinkedHashSet<String> all = new LinkedHashSet<>();
    if (first != null) first.forEach(s -> all.add(String.valueOf(s)));
    if (second != null) second.forEach(s -> all.add(String.valueOf(s)));
    return new JsonArray(new ArrayList<>(all));
  }

  /** The scopes the current login of this server asked for (empty when there is none). */
  private Future<JsonArray> previousScopes(String serverId) {
    return pool.preparedQuery("SELECT scopes FROM credential WHERE mcp_server_id=$1 ORDER BY created_at DESC LIMIT 1")
        .execute(Tuple.of(serverId))
        .map(rows -> {
          JsonArray a = rows.size() == 0 ? null : OAuthClientStore.jsonArrayOrNull(rows.iterator().next().getValue("scopes"));
          return a == null ? new JsonArray() : a;
        });
  }

  /** The current access token for an MCP server → {serverId, credentialId, secret, scheme, expiresAt}. */
  public Future<JsonObject> token(String serverId, boolean force) {
    if (serverId == null || serverId.isBlank()) return Future.failedFuture(new ServiceException(ErrorCodes.BAD_REQUEST, "serverId is required"));
    return pool.preparedQuery("SELECT id FROM credential WHERE mcp_server_id=$1 ORDER BY created_at DESC LIMIT 1")
        .execute(Tuple.of(serverId))
        .compose(rows -> {
          if (rows.size() == 0) {
            return Future.failedFuture(new ServiceException(ErrorCodes.NOT_FOUND, "MCP server " + serverId
                + " has no OAuth sign-in yet; sign in to it first", new JsonObject().put("serverId", serverId)));
          }
          String id = rows.iterator().next().getUUID("id").toString();
          return (force ? refresher.forceRefresh(id) : refresher.resolve(id))
              .map(r -> r.copy().put("serverId", serverId).put("credentialId", id));
        });
  }

  private Future<Discovery> discover(String serverUrl, String wwwAuthenticate) {
    return web.check("the MCP server URL", serverUrl).compose(v -> discoverChecked(serverUrl, wwwAuthenticate));
  }

  private Future<Discovery> discoverChecked(String serverUrl, String wwwAuthenticate) {
    URI server = URI.create(serverUrl);
    String origin = origin(server);
    List<String> prm = new ArrayList<>();
    if (wwwAuthenticate != null) {
      Matcher m = RESOURCE_METADATA.matcher(wwwAuthenticate);
      if (m.find()) prm.add(m.group(1));
    }
    String path = server.getRawPath() == null || server.getRawPath().equals("/") ? "" : server.getRawPath();
    if (!path.isEmpty()) prm.add(origin + "/.well-known/oauth-protected-resource" + path);
    prm.add(origin + "/.well-known/oauth-protected-resource");
    return firstJson("the protected resource metadata", prm)
        .compose(meta -> {
          JsonArray servers = meta == null ? null : meta.getJsonArray("authorization_servers");
          // Servers from before RFC 9728 support: the MCP server's origin is its authorization server.
          String issuer = servers == null || servers.isEmpty() ? origin : servers.getString(0).replaceAll("/+$", "");
          String resource = meta != null && meta.getString("resource") != null ? meta.getString("resource") : serverUrl;
          if (!resourceCovers(resource, serverUrl)) {
            // RFC 9728 §3.3: metadata naming another resource may be an attacker's, who would get the token
            return Future.failedFuture(new ServiceException(ErrorCodes.BAD_REQUEST, "the protected resource metadata of "
                + serverUrl + " names the resource " + dev.maestro.platform.net.ForeignText.clean(resource)
                + ", not this MCP server: refusing to sign in there (RFC 9728)"));
          }
          JsonArray scopes = meta != null && meta.getJsonArray("scopes_supported") != null ? meta.getJsonArray("scopes_supported") : new JsonArray();
          return authorizationServer(issuer).map(as -> new Discovery(resource, issuer, as, scopes));
        });
  }

  private Future<JsonObject> authorizationServer(String issuer) {
    return web.check("the authorization server", issuer).compose(v -> authorizationServerChecked(issuer));
  }

  private Future<JsonObject> authorizationServerChecked(String issuer) {
    URI u = URI.create(issuer);
    String origin = origin(u);
    String path = u.getRawPath() == null || u.getRawPath().equals("/") ? "" : u.getRawPath();
    List<String> urls = List.of(origin + "/.well-known/oauth-authorization-server" + path,
        origin + "/.well-known/openid-configuration" + path, issuer + "/.well-known/openid-configuration");
    return firstJson("the authorization server metadata", urls).compose(as -> {
      if (as == null || as.getString("authorization_endpoint") == null || as.getString("token_endpoint") == null) {
        return Future.failedFuture(new ServiceException(ErrorCodes.BAD_REQUEST, "authorization server " + issuer
            + " publishes no OAuth metadata (RFC 8414 or OpenID discovery)"));
      }
      // RFC 8414 §3.3: metadata whose issuer is not the one it was looked up for is not used (its endpoints
      // could send the user and the code elsewhere)
      if (as.getValue("issuer") instanceof String named && !sameIssuer(named, issuer)) {
        return Future.failedFuture(new ServiceException(ErrorCodes.BAD_REQUEST, "the metadata of authorization server "
            + issuer + " names another issuer (" + dev.maestro.platform.net.ForeignText.clean(named)
            + "): refusing to use it (RFC 8414)"));
      }
      // the browser goes to the authorization endpoint (any http(s) URL); Maestro itself calls the token endpoint
      if (!Fields.isHttpUrl(as.getString("authorization_endpoint"))) {
        return Future.failedFuture(new ServiceException(ErrorCodes.BAD_REQUEST, "authorization server " + issuer
            + " names an authorization endpoint that is not an http(s) URL"));
      }
      return web.check("the token endpoint named by authorization server " + issuer + ",", as.getString("token_endpoint"))
          .map(v -> as);
    }).compose(as -> {
      JsonArray methods = as.getJsonArray("code_challenge_methods_supported");
      if (methods != null && !methods.contains("S256")) {
        return Future.failedFuture(new ServiceException(ErrorCodes.BAD_REQUEST, "authorization server " + issuer
            + " does not support PKCE with S256, which MCP requires"));
      }
      return Future.succeededFuture(as);
    });
  }

  /**
   * The OAuth client for this sign-in, in this order: the client an admin pre-registered for this MCP
   * server; Maestro's client ID metadata document URL when the server supports those
   * ({@code client_id_metadata_document_supported}) and one is configured; the client registered
   * earlier for this server and redirect URI; a new dynamic registration.
   */
  private Future<String> clientFor(Discovery d, String redirect, String serverId) {
    return pool.preparedQuery("SELECT id, client_secret_ct IS NOT NULL AS has_secret FROM oauth_client WHERE mcp_server_id=$1")
        .execute(Tuple.of(serverId))
        .compose(rows -> {
          if (rows.size() > 0) {
            io.vertx.sqlclient.Row r = rows.iterator().next();
            return usePreRegistered(r.getUUID("id"), r.getBoolean("has_secret"), d, serverId);
          }
          if (useClientMetadataDocument(d.as(), clientMetadataUrl)) return clientMetadataDocumentClient(d);
          return registeredClient(d, redirect, serverId);
        });
  }

  /** CIMD (draft-ietf-oauth-client-id-metadata-document, MCP SEP-991): only when both sides can. */
  static boolean useClientMetadataDocument(JsonObject as, String clientMetadataUrl) {
    return clientMetadataUrl != null && Boolean.TRUE.equals(as.getValue("client_id_metadata_document_supported"));
  }

  /** The pre-registered client, its endpoints and token endpoint authentication taken from this discovery. */
  private Future<String> usePreRegistered(UUID id, boolean hasSecret, Discovery d, String serverId) {
    return pool.preparedQuery("UPDATE oauth_client SET authorize_url=$2, token_url=$3, token_auth_method=$4, name=$5,"
            + " updated_at=now() WHERE id=$1")
        .execute(Tuple.of(id, d.as().getString("authorization_endpoint"), d.as().getString("token_endpoint"),
            preRegisteredMethod(d.as(), hasSecret), "MCP " + serverId + " (pre-registered at " + d.issuer() + ")"))
        .map(x -> id.toString());
  }

  /**
   * How a pre-registered client authenticates: none without a secret; with one, the first of the
   * server's token_endpoint_auth_methods_supported we implement (RFC 8414's default when it lists
   * none is client_secret_basic).
   */
  static String preRegisteredMethod(JsonObject as, boolean hasSecret) {
    if (!hasSecret) return OAuthClientConfig.NONE;
    JsonArray supported = as.getJsonArray("token_endpoint_auth_methods_supported");
    if (supported == null || supported.isEmpty()) return OAuthClientConfig.BASIC;
    for (Object m : supported) {
      String method = String.valueOf(m);
      if (OAuthClientConfig.BASIC.equals(method) || OAuthClientConfig.POST.equals(method)) return method;
    }
    return OAuthClientConfig.BASIC;
  }

  /** A public client whose client_id is Maestro's metadata document URL; nothing to register. */
  private Future<String> clientMetadataDocumentClient(Discovery d) {
    String key = "cimd " + d.issuer() + " " + clientMetadataUrl;
    return pool.preparedQuery("INSERT INTO oauth_client (id, provider, name, authorize_url, token_url, client_id, scopes,"
            + " registered_for, token_auth_method) VALUES ($1,'mcp',$2,$3,$4,$5,$6,$7,'none')"
            + " ON CONFLICT (registered_for) DO UPDATE SET authorize_url=EXCLUDED.authorize_url, token_url=EXCLUDED.token_url,"
            + " updated_at=now() RETURNING id")
        .execute(Tuple.of(UUID.randomUUID(), "MCP " + d.issuer() + " (client metadata document)",
            d.as().getString("authorization_endpoint"), d.as().getString("token_endpoint"), clientMetadataUrl)
            .addValue(d.scopes()).addValue(key))
        .map(rows -> rows.iterator().next().getUUID("id").toString());
  }

  /** Reuses the client registered earlier for this server and redirect URI, or registers one. */
  private Future<String> registeredClient(Discovery d, String redirect, String serverId) {
    String key = d.issuer() + " " + redirect;
    return pool.preparedQuery("SELECT id FROM oauth_client WHERE registered_for=$1").execute(Tuple.of(key))
        .compose(rows -> {
          if (rows.size() > 0) return Future.succeededFuture(rows.iterator().next().getUUID("id").toString());
          String endpoint = d.as().getString("registration_endpoint");
          if (endpoint == null) {
            return Future.failedFuture(new ServiceException(ErrorCodes.BAD_REQUEST, "authorization server " + d.issuer()
                + " has no registration endpoint (RFC 7591)" + (Boolean.TRUE.equals(d.as().getValue("client_id_metadata_document_supported"))
                ? " and no client ID metadata document URL is configured (MAESTRO_OAUTH_CLIENT_METADATA_URL)" : "")
                + ", and MCP server " + serverId + " has no pre-registered OAuth client: register Maestro there"
                + " and set the client id (and secret) on the MCP server"));
          }
          JsonObject request = new JsonObject().put("client_name", "Maestro")
              .put("application_type", applicationType(redirect))
              .put("redirect_uris", new JsonArray().add(redirect))
              .put("grant_types", new JsonArray().add("authorization_code").add("refresh_token"))
              .put("response_types", new JsonArray().add("code"))
              .put("token_endpoint_auth_method", preferredMethod(d.as()));
          return web.check("the registration endpoint named by authorization server " + d.issuer() + ",", endpoint)
              .compose(v -> web.postJson(endpoint, request))
              .compose(resp -> {
                JsonObject body = resp.json();
                if (resp.status() / 100 != 2 || body == null || body.getString("client_id") == null) {
                  return Future.failedFuture(new ServiceException(ErrorCodes.UPSTREAM, "client registration at " + endpoint
                      + " failed with " + resp.status() + (body != null && body.getValue("error_description") instanceof String desc
                      ? ": " + dev.maestro.platform.net.ForeignText.clean(desc) : "")));
                }
                return insertClient(d, key, body);
              });
        });
  }

  /** What we ask to register with: none when the server allows it (or says nothing), else the first it lists that we implement. */
  /**
   * SEP-837 (MCP 2026-07-28) / OpenID Connect registration: "native" when the browser comes back to a
   * loopback address (a laptop's `up`), "web" for a gateway reached by its public name; servers check the
   * redirect URI against it.
   */
  static String applicationType(String redirect) {
    String host;
    try {
      host = java.net.URI.create(redirect).getHost();
    } catch (IllegalArgumentException e) {
      return "web";
    }
    if (host == null) return "web";
    host = host.toLowerCase(java.util.Locale.ROOT);
    return host.equals("localhost") || host.endsWith(".localhost") || host.startsWith("127.") || host.equals("[::1]")
        || host.equals("::1") ? "native" : "web";
  }

  /** Whether the metadata's issuer is the one looked up (a trailing slash aside). */
  static boolean sameIssuer(String named, String lookedUp) {
    return named.replaceAll("/+$", "").equals(lookedUp.replaceAll("/+$", ""));
  }

  /**
   * Whether the resource a server's protected resource metadata names covers its MCP URL: the same origin
   * and a path that is the URL's path or a parent of it (the metadata at the origin's well-known URL names
   * the origin), as the MCP SDKs check it.
   */
  static boolean resourceCovers(String resource, String serverUrl) {
    try {
      URI r = URI.create(resource);
      URI s = URI.create(serverUrl);
      if (r.getScheme() == null || r.getHost() == null || !r.getScheme().equalsIgnoreCase(s.getScheme())
          || !r.getHost().equalsIgnoreCase(s.getHost()) || port(r) != port(s)) {
        return false;
      }
      String rp = r.getRawPath() == null ? "" : r.getRawPath().replaceAll("/+$", "");
      String sp = s.getRawPath() == null ? "" : s.getRawPath().replaceAll("/+$", "");
      return rp.isEmpty() || sp.equals(rp) || sp.startsWith(rp + "/");
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static int port(URI u) {
    if (u.getPort() >= 0) return u.getPort();
    return "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
  }

  static String preferredMethod(JsonObject as) {
    JsonArray supported = as.getJsonArray("token_endpoint_auth_methods_supported");
    if (supported == null || supported.isEmpty() || supported.contains(OAuthClientConfig.NONE)) return OAuthClientConfig.NONE;
    for (Object m : supported) if (OAuthClientConfig.supported(String.valueOf(m))) return String.valueOf(m);
    return OAuthClientConfig.NONE;
  }

  /**
   * How the registered client authenticates at the token endpoint: the registration response's
   * token_endpoint_auth_method, else the first of the server's token_endpoint_auth_methods_supported
   * we implement, else null (Basic with a secret, none without). A secret-based method without a secret is none.
   */
  static String registeredMethod(JsonObject reg, JsonObject as) {
    boolean secret = reg.getString("client_secret") != null && !reg.getString("client_secret").isEmpty();
    String method = reg.getString("token_endpoint_auth_method");
    if (!OAuthClientConfig.supported(method)) {
      method = null;
      JsonArray supported = as.getJsonArray("token_endpoint_auth_methods_supported");
      if (supported != null) {
        for (Object m : supported) {
          if (OAuthClientConfig.supported(String.valueOf(m))) {
            method = String.valueOf(m);
            break;
          }
        }
      }
    }
    if (method != null && !secret) return OAuthClientConfig.NONE;
    return method;
  }

  private Future<String> insertClient(Discovery d, String key, JsonObject reg) {
    String id = UUID.randomUUID().toString();
    String secret = reg.getString("client_secret");
    byte[] ct = secret == null ? null : box.encrypt(secret, OAuthClientStore.context(id));
    return pool.preparedQuery("INSERT INTO oauth_client (id, provider, name, authorize_url, token_url, client_id,"
            + " client_secret_ct, key_id, scopes, registered_for, token_auth_method) VALUES ($1,'mcp',$2,$3,$4,$5,$6,$7,$8,$9,$10)"
            + " ON CONFLICT (registered_for) DO NOTHING")
        .execute(Tuple.of(UUID.fromString(id), "MCP " + d.issuer(), d.as().getString("authorization_endpoint"),
                d.as().getString("token_endpoint"), reg.getString("client_id"))
            .addValue(ct == null ? null : Buffer.buffer(ct)).addValue(ct == null ? null : box.keys().current().idHex())
            .addValue(d.scopes()).addValue(key).addValue(registeredMethod(reg, d.as())))
        // Lost a race with another start for the same server: use the winner's registration.
        .compose(x -> pool.preparedQuery("SELECT id FROM oauth_client WHERE registered_for=$1").execute(Tuple.of(key)))
        .map(rows -> rows.iterator().next().getUUID("id").toString());
  }

  /** Stores (or with null / {} removes) the client an admin registered by hand for one MCP server. */
  public Future<JsonObject> setPreRegisteredClient(String serverId, JsonObject client) {
    JsonObject in = (client == null ? new JsonObject() : client.copy()).put("serverId", serverId);
    Fields f = Fields.of(in);
    f.requiredString("serverId", 200);
    boolean remove = client == null || client.isEmpty();
    String clientId = remove ? null : f.requiredString("clientId", 500);
    String secret = remove ? null : f.optionalString("clientSecret", 2000);
    f.check("pre-registered OAuth client");
    if (remove) {
      return pool.preparedQuery("DELETE FROM oauth_client WHERE mcp_server_id=$1").execute(Tuple.of(serverId))
          .map(x -> new JsonObject().put("serverId", serverId));
    }
    // Like an OAuth client update: clientSecret absent keeps the stored one, null or "" removes it.
    boolean secretGiven = client.containsKey("clientSecret");
    return savePreRegistered(serverId, clientId, secret, secretGiven).recover(err -> {
      // Two first saves racing: PostgreSQL's ON CONFLICT (id) arbitrates on the primary key only, so the
      // loser can still trip the server id's unique key while the winner's row is in flight. The row exists
      // now: saving again updates it.
      if (err instanceof io.vertx.pgclient.PgException pg && "23505".equals(pg.getSqlState())) {
        return savePreRegistered(serverId, clientId, secret, secretGiven);
      }
      return Future.failedFuture(err);
    });
  }

  private Future<JsonObject> savePreRegistered(String serverId, String clientId, String secret, boolean secretGiven) {
    return pool.preparedQuery("SELECT id, client_secret_ct IS NOT NULL AS has_secret FROM oauth_client WHERE mcp_server_id=$1")
        .execute(Tuple.of(serverId))
        .compose(rows -> {
          io.vertx.sqlclient.Row existing = rows.size() > 0 ? rows.iterator().next() : null;
          // A new row's id follows from the server id: two first saves racing each other meet on the
          // same primary key (ON CONFLICT below) instead of one failing on the server's unique key, and
          // the secret is bound (encryption context) to the id the row ends up with.
          String id = existing != null ? existing.getUUID("id").toString()
              : UUID.nameUUIDFromBytes(("mcp-server-client:" + serverId).getBytes(java.nio.charset.StandardCharsets.UTF_8)).toString();
          if (existing != null && !secretGiven) {
            return pool.preparedQuery("UPDATE oauth_client SET client_id=$2, updated_at=now() WHERE id=$1")
                .execute(Tuple.of(UUID.fromString(id), clientId))
                .map(x -> new JsonObject().put("serverId", serverId).put("clientId", clientId)
                    .put("hasClientSecret", existing.getBoolean("has_secret")));
          }
          byte[] ct = secret == null || secret.isEmpty() ? null : box.encrypt(secret, OAuthClientStore.context(id));
          Tuple t = Tuple.of(UUID.fromString(id), "MCP " + serverId + " (pre-registered)", clientId)
              .addValue(ct == null ? null : Buffer.buffer(ct)).addValue(ct == null ? null : box.keys().current().idHex())
              .addValue(serverId);
          return pool.preparedQuery("INSERT INTO oauth_client (id, provider, name, client_id, client_secret_ct, key_id, mcp_server_id)"
                  + " VALUES ($1,'mcp',$2,$3,$4,$5,$6) ON CONFLICT (id) DO UPDATE SET client_id=EXCLUDED.client_id,"
                  + " client_secret_ct=EXCLUDED.client_secret_ct, key_id=EXCLUDED.key_id, updated_at=now()")
              .execute(t)
              .map(x -> new JsonObject().put("serverId", serverId).put("clientId", clientId).put("hasClientSecret", ct != null));
        });
  }

  /**
   * The first of these URLs that answers a JSON object. A URL the policy refuses fails the whole
   * discovery (a server naming a metadata address is not skipped quietly); one that cannot be
   * reached or answers something else is skipped.
   */
  private Future<JsonObject> firstJson(String what, List<String> urls) {
    Future<JsonObject> chain = Future.succeededFuture(null);
    for (String url : urls) {
      chain = chain.compose(found -> found != null ? Future.succeededFuture(found)
          : web.check(what + " URL", url)
              .compose(v -> web.getJson(url)
                  .map(resp -> resp.status() == 200 ? resp.json() : null)
                  .otherwise((JsonObject) null)));
    }
    return chain;
  }

  private static String origin(URI u) {
    return u.getScheme() + "://" + u.getRawAuthority();
  }

}
