package dev.maestro.auth;

import dev.maestro.contracts.provider.Providers;
import dev.maestro.auth.crypto.SecretBox;
import dev.maestro.auth.oauth.OAuthClientConfig;
import dev.maestro.auth.oauth.OAuth2Client;
import dev.maestro.auth.oauth.TokenGrantException;
import dev.maestro.contracts.ErrorCodes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.UUID;

/**
 * Authorization code + PKCE (S256). {@code start} stores a single-use state with the encrypted code
 * verifier and the starting user and returns the authorize URL; {@code complete} consumes the
 * state atomically (a second use fails), checks that the user completing it is the one who started
 * it, exchanges the code and stores the tokens on that user.
 */
public final class OAuthFlows {
  static final int STATE_TTL_SECONDS = 600;

  private final Vertx vertx;
  private final Pool pool;
  private final SecretBox box;
  private final OAuthClientStore clients;
  private final CredentialStore credentials;
  private final OAuth2Client tokens;
  private final SecureRandom random = new SecureRandom();

  /** Checks the base URL a member gives for the provider behind this sign-in. */
  private final Outbound outbound;

  public OAuthFlows(Vertx vertx, Pool pool, SecretBox box, OAuthClientStore clients, CredentialStore credentials,
                    OAuth2Client tokens, Outbound outbound) {
    this.outbound = outbound;
    this.vertx = vertx;
    this.pool = pool;
    this.box = box;
    this.clients = clients;
    this.credentials = credentials;
    this.tokens = tokens;
  }

  public Future<JsonObject> start(String userId, String provider, JsonObject body, String redirectUri) {
    JsonObject in = (body == null ? new JsonObject() : body.copy()).put("provider", provider).put("redirectUri", redirectUri);
    Fields f = Fields.of(in);
    String p = f.provider("provider");
    String label = f.optionalString("label", 200);
    String oauthClientId = f.requiredString("oauthClientId", 100);
    String redirect = f.url("redirectUri", true);
    // Same meaning as on an API-key credential: a proxy, gateway or compatible server in front of the provider.
    String baseUrl = f.url("baseUrl", false);
    if (Providers.OPENAI_COMPATIBLE.equals(p) && baseUrl == null) f.error("baseUrl", "is required for openai-compatible (e.g. http://localhost:11434/v1)");
    if (oauthClientId != null) {
      try {
        UUID.fromString(oauthClientId);
      } catch (RuntimeException e) {
        f.error("oauthClientId", "is not a known OAuth client id");
      }
    }
    f.check("OAuth start request");
    return outbound.checkField("OAuth start request", "baseUrl", baseUrl).compose(v -> clients.config(pool, oauthClientId))
        .recover(err -> Future.failedFuture(err instanceof ServiceException se && se.failureCode() == ErrorCodes.NOT_FOUND
            ? badField("oauthClientId", "OAuth client " + oauthClientId + " does not exist") : err))
        .compose(cfg -> {
          if (!cfg.provider().equals(p)) {
            return Future.failedFuture(badField("oauthClientId", "OAuth client " + cfg.name() + " is for provider "
                + cfg.provider() + ", not " + p));
          }
          return begin(userId, p, label == null ? cfg.name() : label, cfg, redirect, null, null, cfg.scopes(), baseUrl);
        });
  }

  Future<JsonObject> begin(String userId, String provider, String label, OAuthClientConfig cfg, String redirect,
                           String mcpServerId, String resource, io.vertx.core.json.JsonArray scopes) {
    return begin(userId, provider, label, cfg, redirect, mcpServerId, resource, scopes, null);
  }

  /** Stores a single-use state with the encrypted PKCE verifier → {authorizeUrl, state}. */
  Future<JsonObject> begin(String userId, String provider, String label, OAuthClientConfig cfg, String redirect,
                           String mcpServerId, String resource, io.vertx.core.json.JsonArray scopes, String baseUrl) {
    return begin(userId, provider, label, cfg, redirect, mcpServerId, resource, scopes, baseUrl, null, false);
  }

  /**
   * {@code issuer}: the authorization server's metadata issuer the callback's {@code iss} must equal
   * (RFC 9207), or null when unknown; {@code issRequired}: that server always sends {@code iss}.
   */
  Future<JsonObject> begin(String userId, String provider, String label, OAuthClientConfig cfg, String redirect,
                           String mcpServerId, String resource, io.vertx.core.json.JsonArray scopes, String baseUrl,
                           String issuer, boolean issRequired) {
    String state = randomToken();
    String verifier = randomToken();
    byte[] vct = box.encrypt(verifier, verifierContext(state));
    return pool.preparedQuery("INSERT INTO oauth_state (state, user_id, provider, label, oauth_client_id, redirect_uri,"
            + " verifier_ct, key_id, expires_at, mcp_server_id, resource, scopes, base_url, issuer, iss_required) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,"
            + " clock_timestamp() + make_interval(secs => $9::float8), $10, $11, $12, $13, $14, $15)")
        .execute(Tuple.of(state, userId, provider, label, UUID.fromString(cfg.id()), redirect,
            Buffer.buffer(vct), box.keys().current().idHex()).addValue((double) STATE_TTL_SECONDS)
            .addValue(mcpServerId).addValue(resource).addValue(scopes == null ? null : scopes.copy()).addValue(baseUrl)
            .addValue(issuer).addValue(issRequired))
        .map(x -> new JsonObject().put("authorizeUrl", tokens.authorizeUrl(cfg, redirect, state, challenge(verifier), resource, scopes))
            .put("state", state));
  }

  /**
   * Completes the flow for {@code userId}, who must be the user that started it. The state is
   * consumed first, atomically, whoever calls: when the caller is not the starter the flow is thereby
   * cancelled (FORBIDDEN), so the code that came back in another person's browser is never exchanged
   * and a later attempt by the starter with the same state fails too.
   */
  public Future<JsonObject> complete(String userId, String state, String code) {
    return complete(userId, state, code, null, false);
  }

  /**
   * {@code checkIss}: the caller relays the browser's callback, whose {@code iss} (null when absent)
   * is checked against the issuer stored at the start (RFC 9207) after the state is consumed and
   * before the code is exchanged, so a mixed-up code never reaches any token endpoint.
   */
  public Future<JsonObject> complete(String userId, String state, String code, String iss, boolean checkIss) {
    if (userId == null || userId.isBlank()) {
      return Future.failedFuture(new ServiceException(ErrorCodes.FORBIDDEN, "sign in to Maestro in this browser first"));
    }
    if (state == null || state.isBlank()) return Future.failedFuture(bad("the sign-in callback has no state parameter"));
    if (code == null || code.isBlank()) return Future.failedFuture(bad("the sign-in callback has no authorization code"));
    return pool.preparedQuery("UPDATE oauth_state SET used_at = clock_timestamp() WHERE state=$1 AND used_at IS NULL"
            + " AND expires_at > clock_timestamp() RETURNING user_id, provider, label, oauth_client_id, redirect_uri, verifier_ct, mcp_server_id, resource, scopes,"
            + " base_url, issuer, iss_required")
        .execute(Tuple.of(state))
        .compose(rows -> rows.size() == 1 ? Future.succeededFuture(rows.iterator().next()) : explainUnusableState(state))
        .compose(row -> !userId.equals(row.getString("user_id")) || !checkIss ? Future.succeededFuture(row)
            : IssuerCheck.problem(row.getString("issuer"), Boolean.TRUE.equals(row.getBoolean("iss_required")), iss)
                .map(p -> Future.<Row>failedFuture(bad(p))).orElse(Future.succeededFuture(row)))
        .compose(row -> userId.equals(row.getString("user_id")) ? exchange(state, code, row)
            : Future.failedFuture(new ServiceException(ErrorCodes.FORBIDDEN, "this sign-in was started by another Maestro user,"
                + " so it cannot finish in your session; it has been cancelled (start a sign-in from your own account)")));
  }

  private Future<JsonObject> exchange(String state, String code, Row st) {
    String verifier = box.decrypt(st.getBuffer("verifier_ct").getBytes(), verifierContext(state), "the PKCE verifier of this sign-in");
    String clientId = st.getUUID("oauth_client_id").toString();
    return clients.config(pool, clientId)
        .compose(cfg -> tokens.exchangeCode(cfg, code, st.getString("redirect_uri"), verifier, st.getString("resource"))
            .recover(err -> Future.failedFuture(err instanceof TokenGrantException tge && tge.rejected()
                ? bad("the authorization server refused the sign-in: " + tge.getMessage())
                : new ServiceException(ErrorCodes.UPSTREAM, "could not reach the authorization server: " + err.getMessage())))
            .compose(tr -> {
              String mcp = st.getString("mcp_server_id");
              // An MCP server has one login: a new sign-in replaces the previous one.
              Future<?> cleared = mcp == null ? Future.succeededFuture()
                  : pool.preparedQuery("DELETE FROM credential WHERE mcp_server_id=$1").execute(Tuple.of(mcp));
              return cleared.compose(x -> credentials.insertOAuth(pool, st.getString("user_id"), st.getString("provider"),
                  st.getString("label"), st.getString("base_url"), clientId, tr, mcp, st.getString("resource"),
                  OAuthClientStore.jsonArrayOrNull(st.getValue("scopes"))));
            }));
  }

  private Future<Row> explainUnusableState(String state) {
    return pool.preparedQuery("SELECT used_at IS NOT NULL AS used, expires_at <= clock_timestamp() AS expired"
            + " FROM oauth_state WHERE state=$1").execute(Tuple.of(state))
        .compose(rows -> {
          if (rows.size() == 0) return Future.failedFuture(bad("unknown sign-in state: this link was not issued by Maestro"
              + " or is too old; start the sign-in again"));
          Row r = rows.iterator().next();
          if (r.getBoolean("used")) return Future.failedFuture(bad("this sign-in was already completed: each sign-in link"
              + " works once; start the sign-in again if needed"));
          return Future.failedFuture(bad("this sign-in expired (it must be finished within " + STATE_TTL_SECONDS / 60
              + " minutes); start the sign-in again"));
        });
  }

  /** Drops states nobody can use any more (kept a day so late callbacks still get a precise message). */
  public Future<Void> purgeOldStates() {
    return pool.query("DELETE FROM oauth_state WHERE expires_at < now() - interval '1 day'").execute().mapEmpty();
  }

  static String verifierContext(String state) {
    return "oauth_state.verifier:" + state;
  }

  private String randomToken() {
    byte[] b = new byte[32];
    random.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  static String challenge(String verifier) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(d);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static ServiceException bad(String message) {
    return new ServiceException(ErrorCodes.BAD_REQUEST, message);
  }

  private static ServiceException badField(String field, String message) {
    return new ServiceException(ErrorCodes.BAD_REQUEST, message, new JsonObject().put("errors",
        new io.vertx.core.json.JsonArray().add(new JsonObject().put("field", field).put("message", message))));
  }
}
