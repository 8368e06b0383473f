package dev.maestro.testkit.services;

import dev.maestro.contracts.ErrorCodes;
import dev.maestro.contracts.auth.AuthService;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-memory stand-in for auth-service, shared by every module's tests and the benchmarks.
 *
 * <p>Two modes, because the callers test different things:
 * <ul>
 *   <li>{@link #likeTheRealService()}: validates like auth-service and answers credentials and OAuth
 *       clients without their secrets (the web UI renders what it gets);</li>
 *   <li>{@link #leakingSecrets()}: wrongly echoes API keys, user ids and client secrets and does no
 *       validation of its own, so a gateway test proves the gateway masks and validates by itself.</li>
 * </ul>
 * Credentials are stored with their secret under {@code secret} (what {@link #resolveSecret} answers);
 * a refresh swaps in the secret scripted with {@link #onRefresh}, and fails with 409 without one.
 */
public final class FakeAuthService implements AuthService {
  private final boolean leaky;
  private volatile String fixedAuthorizeUrl;

  /** Every credential by id, secret included; tests may add or read them directly. */
  public final Map<String, JsonObject> credentials = new ConcurrentHashMap<>();
  /** Every OAuth client by id, secret included. */
  public final Map<String, JsonObject> clients = new ConcurrentHashMap<>();
  /** OAuth state -> the user who started the sign-in; consumed by completeOAuth. */
  public final Map<String, String> states = new ConcurrentHashMap<>();
  private final Map<String, String> refreshedSecrets = new ConcurrentHashMap<>();
  public final AtomicInteger refreshes = new AtomicInteger();
  public final AtomicInteger resolves = new AtomicInteger();
  /** Who the caller said completed each OAuth callback (null: it passed no user). */
  public final List<String> completedBy = new CopyOnWriteArrayList<>();
  /** The callbacks ({state, code, iss?}) the gateway relayed through completeOAuthCallback. */
  public final List<JsonObject> callbacks = new CopyOnWriteArrayList<>();
  /** The body of the last startOAuth (what the form or API client sent). */
  public volatile JsonObject lastOAuthStart;
  /** The next createCredential fails with this (thrown when a plain RuntimeException): failure-policy tests. */
  public volatile Throwable nextFailure;

  private FakeAuthService(boolean leaky) {
    this.leaky = leaky;
  }

  /** Validates and masks like auth-service. */
  public static FakeAuthService likeTheRealService() {
    return new FakeAuthService(false);
  }

  /** Echoes secrets and validates nothing: the caller's own masking and validation are what is tested. */
  public static FakeAuthService leakingSecrets() {
    return new FakeAuthService(true);
  }

  /** Every startOAuth answers this authorize URL instead of the OAuth client's own. */
  public FakeAuthService authorizeAt(String url) {
    this.fixedAuthorizeUrl = url;
    return this;
  }

  /** Adds a credential whose secret the provider service can resolve; scheme "bearer" makes it an OAuth one. */
  public FakeAuthService put(String id, String provider, String baseUrl, String secret, String scheme) {
    credentials.put(id, new JsonObject().put("id", id).put("provider", provider)
        .put("kind", "bearer".equals(scheme) ? "oauth" : "api_key").put("baseUrl", baseUrl).put("secret", secret)
        .put("scheme", scheme).put("status", "active"));
    return this;
  }

  /** The secret a refresh of this credential yields. */
  public FakeAuthService onRefresh(String id, String newSecret) {
    refreshedSecrets.put(id, newSecret);
    return this;
  }

  /** An OAuth credential of a user in a given status (as the caller would see it). */
  public JsonObject addOAuth(String userId, String label, String status) {
    String id = UUID.randomUUID().toString();
    JsonObject c = new JsonObject().put("id", id).put("userId", userId).put("provider", "anthropic").put("kind", "oauth")
        .put("label", label).put("status", status).put("maskedSecret", "oauth…").put("expiresAt", "2026-12-01T00:00:00Z")
        .put("secret", "x");
    credentials.put(id, c);
    return shown(c);
  }

  private static <T> Future<T> notFound(String what) {
    return ServiceException.fail(ErrorCodes.NOT_FOUND, what + " not found", new JsonObject());
  }

  private JsonObject shown(JsonObject credential) {
    JsonObject m = credential.copy();
    if (leaky) return m.put("apiKey", credential.getString("secret"));
    m.remove("secret");
    m.remove("userId");
    return m;
  }

  private JsonObject shownClient(JsonObject client) {
    JsonObject m = client.copy();
    if (!leaky) m.remove("clientSecret");
    return m;
  }

  private JsonObject owned(String userId, String credentialId) {
    JsonObject c = credentials.get(credentialId);
    return c == null || !userId.equals(c.getString("userId")) ? null : c;
  }

  @Override
  public Future<JsonObject> createCredential(String userId, JsonObject spec) {
    Throwable fail = nextFailure;
    nextFailure = null;
    if (fail instanceof RuntimeException re && !(fail instanceof ServiceException)) throw re;
    if (fail != null) return Future.failedFuture(fail);
    String key = spec.getString("apiKey");
    if (!leaky && (spec.getString("provider") == null || key == null || spec.getString("label") == null)) {
      return ServiceException.fail(ErrorCodes.BAD_REQUEST, "provider, label and apiKey are required",
          new JsonObject().put("errors", new JsonArray().add(new JsonObject().put("field", "apiKey").put("message", "required"))));
    }
    String id = UUID.randomUUID().toString();
    JsonObject c = new JsonObject().put("id", id).put("userId", userId).put("provider", spec.getString("provider"))
        .put("kind", spec.getString("kind", "api_key")).put("label", spec.getString("label")).put("baseUrl", spec.getString("baseUrl"))
        .put("status", "active").put("maskedSecret", "…" + key.substring(Math.max(0, key.length() - 4)))
        .put("secret", key);
    credentials.put(id, c);
    return Future.succeededFuture(shown(c));
  }

  @Override
  public Future<List<JsonObject>> listCredentials(String userId) {
    return Future.succeededFuture(credentials.values().stream().filter(c -> userId.equals(c.getString("userId"))).map(this::shown).toList());
  }

  @Override
  public Future<JsonObject> getCredential(String userId, String credentialId) {
    JsonObject c = owned(userId, credentialId);
    return c == null ? notFound("credential") : Future.succeededFuture(shown(c));
  }

  @Override
  public Future<Void> deleteCredential(String userId, String credentialId) {
    if (owned(userId, credentialId) == null) return notFound("credential");
    credentials.remove(credentialId);
    return Future.succeededFuture();
  }

  @Override
  public Future<JsonObject> resolveSecret(String credentialId) {
    resolves.incrementAndGet();
    JsonObject c = credentials.get(credentialId);
    return c == null ? notFound("credential") : Future.succeededFuture(c.copy());
  }

  @Override
  public Future<JsonObject> refreshCredential(String credentialId) {
    refreshes.incrementAndGet();
    JsonObject c = credentials.get(credentialId);
    String secret = refreshedSecrets.get(credentialId);
    if (c == null || secret == null) return ServiceException.fail(ErrorCodes.CONFLICT, "cannot refresh " + credentialId);
    c.put("secret", secret);
    return Future.succeededFuture(c.copy());
  }

  @Override
  public Future<List<JsonObject>> listOAuthClients() {
    return Future.succeededFuture(clients.values().stream().map(this::shownClient).toList());
  }

  @Override
  public Future<JsonObject> createOAuthClient(JsonObject client) {
    String id = UUID.randomUUID().toString();
    JsonObject c = client.copy().put("id", id);
    clients.put(id, c);
    return Future.succeededFuture(shownClient(c));
  }

  @Override
  public Future<JsonObject> getOAuthClient(String clientId) {
    JsonObject c = clients.get(clientId);
    return c == null ? notFound("client") : Future.succeededFuture(c.copy());
  }

  /** Merges, so an update without a client secret keeps the stored one (the secret is write-only). */
  @Override
  public Future<JsonObject> updateOAuthClient(String clientId, JsonObject client) {
    JsonObject c = clients.get(clientId);
    if (c == null) return notFound("client");
    c.mergeIn(client).put("id", clientId);
    return Future.succeededFuture(shownClient(c));
  }

  @Override
  public Future<Void> deleteOAuthClient(String clientId) {
    return clients.remove(clientId) == null ? notFound("client") : Future.succeededFuture();
  }

  @Override
  public Future<JsonObject> startOAuth(String userId, String provider, JsonObject body, String redirectUri) {
    lastOAuthStart = body.copy();
    String authorizeUrl = fixedAuthorizeUrl;
    if (authorizeUrl == null) {
      JsonObject c = clients.get(body.getString("oauthClientId", ""));
      if (c == null) return notFound("client");
      authorizeUrl = c.getString("authorizeUrl");
    }
    String state = UUID.randomUUID().toString();
    states.put(state, userId);
    return Future.succeededFuture(new JsonObject().put("state", state)
        .put("authorizeUrl", authorizeUrl + "?state=" + state + "&redirect_uri=" + redirectUri));
  }

  @Override
  public Future<JsonObject> completeOAuth(String userId, String state, String code) {
    completedBy.add(userId);
    String starter = states.remove(state);
    if (starter == null) return ServiceException.fail(ErrorCodes.BAD_REQUEST, "unknown or reused state", new JsonObject());
    // like auth-service: consumed first, then refused (and so cancelled) when another user completes it
    if (!starter.equals(userId)) {
      return ServiceException.fail(ErrorCodes.FORBIDDEN, "this sign-in was started by another Maestro user", new JsonObject());
    }
    return createCredential(starter, new JsonObject().put("provider", "anthropic").put("kind", "oauth").put("label", "oauth")
        .put("apiKey", "oauth-token-" + code));
  }

  @Override
  public Future<JsonObject> completeOAuthCallback(String userId, JsonObject callback) {
    callbacks.add(callback.copy());
    return completeOAuth(userId, callback.getString("state"), callback.getString("code"));
  }

  @Override
  public Future<List<JsonObject>> listOAuthClientPresets() {
    return Future.succeededFuture(List.of());
  }
}
