package dev.maestro.contracts.auth;

import dev.maestro.contracts.Addresses;
import io.vertx.codegen.annotations.ProxyGen;
import io.vertx.codegen.annotations.VertxGen;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceProxyBuilder;

import java.util.List;

/**
 * Provider credentials (encrypted at rest) and OAuth flows. Everything returned to the gateway is
 * masked; only {@link #resolveSecret} returns a secret, and only provider- and tool-service call it.
 */
@ProxyGen
@VertxGen
public interface AuthService {
  String ADDRESS = Addresses.AUTH_SERVICE;

  static AuthService createProxy(Vertx vertx) {
    return new ServiceProxyBuilder(vertx).setAddress(ADDRESS)
        .setOptions(new DeliveryOptions().setSendTimeout(20_000)).build(AuthService.class);
  }

  /**
   * spec: {provider, kind:api_key, label?, apiKey, baseUrl?, validate?} → masked credential; with
   * validate:true it also carries {@code validation: {ok, message}} (a rejected key is stored as invalid).
   */
  Future<JsonObject> createCredential(String userId, JsonObject spec);

  /** → [{id, provider, kind, label, baseUrl, status, maskedSecret, expiresAt}]. */
  Future<List<JsonObject>> listCredentials(String userId);

  Future<JsonObject> getCredential(String userId, String credentialId);

  Future<Void> deleteCredential(String userId, String credentialId);

  /**
   * For provider- and tool-service only → {id, provider, kind, baseUrl, secret, scheme: api_key|bearer,
   * expiresAt?}. An OAuth token is refreshed first when it is due.
   */
  Future<JsonObject> resolveSecret(String credentialId);

  /** Forces one refresh (after an upstream 401) → same shape as {@link #resolveSecret}. */
  Future<JsonObject> refreshCredential(String credentialId);

  Future<List<JsonObject>> listOAuthClients();

  Future<JsonObject> createOAuthClient(JsonObject client);

  Future<JsonObject> getOAuthClient(String clientId);

  Future<JsonObject> updateOAuthClient(String clientId, JsonObject client);

  Future<Void> deleteOAuthClient(String clientId);

  /**
   * Templates an admin completes with their own client id (e.g. preset "google-gemini"): pass
   * {@code {"preset": name, "clientId", "clientSecret"?}} to {@link #createOAuthClient}.
   */
  default Future<List<JsonObject>> listOAuthClientPresets() {
    return notImplemented("listOAuthClientPresets");
  }

  /** body: {label, oauthClientId, baseUrl?} → {authorizeUrl, state}; baseUrl ends up on the credential. */
  Future<JsonObject> startOAuth(String userId, String provider, JsonObject body, String redirectUri);

  /**
   * Finishes a flow for {@code userId}, the signed-in user whose browser brought the callback →
   * credential. An unknown, expired or reused state fails with BAD_REQUEST; a state started by
   * another user fails with FORBIDDEN and is cancelled (nobody can complete it afterwards), so a
   * sign-in link sent to someone else can never put their provider tokens on the starter's account.
   */
  Future<JsonObject> completeOAuth(String userId, String state, String code);

  /**
   * Like {@link #completeOAuth}, for the browser callback as it arrived: {@code callback} =
   * {state, code, iss?}. RFC 9207: when the flow went to an MCP authorization server, a callback
   * {@code iss} that differs from that server's metadata {@code issuer} (exact string compare) is
   * refused with BAD_REQUEST before any token exchange (mix-up attack); a missing {@code iss} is
   * refused the same way when the server's metadata says
   * {@code authorization_response_iss_parameter_supported: true}. {@link #completeOAuth} is this
   * without {@code iss} checks, for callers that never saw the browser's callback (tests, tools).
   */
  default Future<JsonObject> completeOAuthCallback(String userId, JsonObject callback) {
    return notImplemented("completeOAuthCallback");
  }

  /**
   * OAuth sign-in to an HTTP MCP server after it answered 401 (for tool-service and the gateway).
   * body: {serverUrl, wwwAuthenticate?: the 401's WWW-Authenticate header, label?, scopes?}.
   * Discovers the protected-resource and authorization-server metadata, registers Maestro
   * dynamically when needed, and starts the same PKCE flow → {authorizeUrl, state,
   * authorizationServer}. The browser returns through /oauth/callback → {@link #completeOAuth}.
   */
  default Future<JsonObject> startMcpOAuth(String userId, String serverId, JsonObject body, String redirectUri) {
    return notImplemented("startMcpOAuth");
  }

  /**
   * For tool-service: the current bearer token of an MCP server, refreshed first when due →
   * {serverId, credentialId, secret, scheme:"bearer", expiresAt?}. NOT_FOUND: no sign-in yet;
   * CONFLICT: the login needs re-authorization.
   */
  default Future<JsonObject> mcpToken(String serverId) {
    return notImplemented("mcpToken");
  }

  /** After the MCP server answered 401 to the current token: refresh now → same shape as {@link #mcpToken}. */
  default Future<JsonObject> refreshMcpToken(String serverId) {
    return notImplemented("refreshMcpToken");
  }

  /**
   * For tool-service (an MCP server's configuration): the OAuth client an admin registered by hand at
   * the server's authorization server, used instead of dynamic registration / a client ID metadata
   * document. {@code client} = {clientId, clientSecret?}: clientSecret absent keeps the stored
   * secret, null removes it; {@code client} null or {} removes the client. The secret is kept
   * encrypted by auth-service and never returned → {serverId, clientId, hasClientSecret} (or
   * {serverId} after a removal).
   */
  default Future<JsonObject> setMcpOAuthClient(String serverId, JsonObject client) {
    return notImplemented("setMcpOAuthClient");
  }

  /**
   * Methods added after the first version are default methods, so fakes of this interface in
   * other modules' tests keep compiling; auth-service implements all of them.
   */
  @io.vertx.codegen.annotations.GenIgnore
  static <T> Future<T> notImplemented(String method) {
    return Future.failedFuture(new io.vertx.serviceproxy.ServiceException(dev.maestro.contracts.ErrorCodes.UNAVAILABLE,
        method + " is not implemented by this AuthService"));
  }
}
