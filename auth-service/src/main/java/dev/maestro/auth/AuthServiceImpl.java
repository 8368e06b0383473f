package dev.maestro.auth;

import dev.maestro.contracts.provider.Providers;
import dev.maestro.platform.ServiceFailures;
import dev.maestro.contracts.ErrorCodes;
import dev.maestro.contracts.auth.AuthService;
import dev.maestro.contracts.provider.ProviderService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import io.vertx.serviceproxy.ServiceProxyBuilder;

import java.util.List;
import java.util.function.Supplier;

/** The bus-facing service: validates input and delegates to the stores, flows and refresher. */
public final class AuthServiceImpl implements AuthService {
  private final Vertx vertx;
  private final CredentialStore credentials;
  private final OAuthClientStore clients;
  private final OAuthFlows flows;
  private final TokenRefresher refresher;
  private final StatusEvents events;
  private final McpAuth mcp;
  private final Outbound outbound;

  AuthServiceImpl(Vertx vertx, CredentialStore credentials, OAuthClientStore clients, OAuthFlows flows,
                         TokenRefresher refresher, StatusEvents events, McpAuth mcp, Outbound outbound) {
    this.outbound = outbound;
    this.mcp = mcp;
    this.vertx = vertx;
    this.credentials = credentials;
    this.clients = clients;
    this.flows = flows;
    this.refresher = refresher;
    this.events = events;
  }

  @Override
  public Future<JsonObject> createCredential(String userId, JsonObject spec) {
    return guarded(() -> {
      requireUser(userId);
      Fields f = Fields.of(spec);
      String provider = f.provider("provider");
      Object kind = spec == null ? null : spec.getValue("kind", "api_key");
      if ("oauth".equals(kind)) f.error("kind", "OAuth credentials are created by signing in (POST /api/v1/credentials/oauth/{provider}/start)");
      else if (!"api_key".equals(kind)) f.error("kind", "must be api_key");
      String label = f.optionalString("label", 200);
      String apiKey = f.requiredString("apiKey", 4000);
      if (apiKey != null && apiKey.chars().anyMatch(Character::isWhitespace)) f.error("apiKey", "must not contain spaces or line breaks");
      String baseUrl = f.url("baseUrl", false);
      if (Providers.OPENAI_COMPATIBLE.equals(provider) && baseUrl == null) f.error("baseUrl", "is required for openai-compatible (e.g. http://localhost:11434/v1)");
      boolean validate = f.bool("validate");
      f.check("credential");
      // link-local, metadata and unlisted private addresses are refused here; provider-service checks again on each use
      return outbound.checkField("credential", "baseUrl", baseUrl).compose(v -> credentials.insertApiKey(userId, provider, label == null ? provider : label, baseUrl, apiKey)
          .compose(created -> validate ? validate(userId, created) : Future.succeededFuture(created)));
    });
  }

  /** Asks provider-service for a cheap authenticated call; a key that fails is kept but marked invalid. */
  private Future<JsonObject> validate(String userId, JsonObject created) {
    String id = created.getString("id");
    ProviderService provider = new ServiceProxyBuilder(vertx).setAddress(ProviderService.ADDRESS)
        .setOptions(new DeliveryOptions().setSendTimeout(15_000)).build(ProviderService.class);
    return provider.validateCredential(id)
        .map(r -> new JsonObject().put("ok", Boolean.TRUE.equals(r.getBoolean("ok")))
            .put("message", r.getString("message", "")))
        .recover(err -> Future.succeededFuture(new JsonObject().put("ok", false).put("message", unavailable(err)
            ? "could not validate: provider-service unavailable" : "could not validate: " + err.getMessage())))
        .compose(validation -> {
          boolean rejected = !validation.getBoolean("ok") && !validation.getString("message").startsWith("could not validate");
          if (!rejected) return Future.succeededFuture(created.copy().put("validation", validation));
          return credentials.setStatus(id, "invalid", validation.getString("message"))
              .compose(changedFor -> {
                if (changedFor != null) events.publish(id, changedFor, "invalid");
                return credentials.get(userId, id);
              })
              .map(c -> c.put("validation", validation));
        });
  }

  private static boolean unavailable(Throwable err) {
    return err instanceof ReplyException re && !(err instanceof ServiceException)
        && (re.failureType() == ReplyFailure.NO_HANDLERS || re.failureType() == ReplyFailure.TIMEOUT);
  }

  @Override
  public Future<List<JsonObject>> listCredentials(String userId) {
    return guarded(() -> {
      requireUser(userId);
      return credentials.list(userId);
    });
  }

  @Override
  public Future<JsonObject> getCredential(String userId, String credentialId) {
    return guarded(() -> credentials.get(userId, credentialId));
  }

  @Override
  public Future<Void> deleteCredential(String userId, String credentialId) {
    return guarded(() -> credentials.delete(userId, credentialId).onSuccess(v -> events.changed(credentialId, "deleted")));
  }

  @Override
  public Future<JsonObject> resolveSecret(String credentialId) {
    return guarded(() -> refresher.resolve(credentialId));
  }

  @Override
  public Future<JsonObject> refreshCredential(String credentialId) {
    return guarded(() -> refresher.forceRefresh(credentialId));
  }

  @Override
  public Future<List<JsonObject>> listOAuthClients() {
    return guarded(clients::list);
  }

  @Override
  public Future<JsonObject> createOAuthClient(JsonObject client) {
    return guarded(() -> clients.create(client));
  }

  @Override
  public Future<JsonObject> getOAuthClient(String clientId) {
    return guarded(() -> clients.get(clientId));
  }

  @Override
  public Future<JsonObject> updateOAuthClient(String clientId, JsonObject client) {
    return guarded(() -> clients.update(clientId, client));
  }

  @Override
  public Future<Void> deleteOAuthClient(String clientId) {
    return guarded(() -> clients.delete(clientId));
  }

  @Override
  public Future<List<JsonObject>> listOAuthClientPresets() {
    return Future.succeededFuture(OAuthClientStore.presets());
  }

  @Override
  public Future<JsonObject> startOAuth(String userId, String provider, JsonObject body, String redirectUri) {
    return guarded(() -> {
      requireUser(userId);
      return flows.start(userId, provider, body, redirectUri);
    });
  }

  @Override
  public Future<JsonObject> completeOAuth(String userId, String state, String code) {
    return guarded(() -> flows.complete(userId, state, code));
  }

  @Override
  public Future<JsonObject> completeOAuthCallback(String userId, JsonObject callback) {
    JsonObject cb = callback == null ? new JsonObject() : callback;
    return guarded(() -> flows.complete(userId, cb.getValue("state") instanceof String s ? s : null,
        cb.getValue("code") instanceof String c ? c : null, cb.getValue("iss") instanceof String i ? i : null, true));
  }

  @Override
  public Future<JsonObject> startMcpOAuth(String userId, String serverId, JsonObject body, String redirectUri) {
    return guarded(() -> {
      requireUser(userId);
      return mcp.start(userId, serverId, body, redirectUri);
    });
  }

  @Override
  public Future<JsonObject> mcpToken(String serverId) {
    return guarded(() -> mcp.token(serverId, false));
  }

  @Override
  public Future<JsonObject> refreshMcpToken(String serverId) {
    return guarded(() -> mcp.token(serverId, true));
  }

  @Override
  public Future<JsonObject> setMcpOAuthClient(String serverId, JsonObject client) {
    return guarded(() -> mcp.setPreRegisteredClient(serverId, client));
  }

  private static void requireUser(String userId) {
    if (userId == null || userId.isBlank()) throw new ServiceException(ErrorCodes.BAD_REQUEST, "userId is required");
  }

  /**
   * Validation throws; turn that into a failed future. Anything that is not already a
   * ServiceException becomes one without internals (no stack traces or SQL on the bus).
   */
  private static <T> Future<T> guarded(Supplier<Future<T>> work) {
    Future<T> f;
    try {
      f = work.get();
    } catch (ServiceException e) {
      return Future.failedFuture(e);
    } catch (RuntimeException e) {
      return Future.failedFuture(internal(e));
    }
    return f.recover(err -> Future.failedFuture(err instanceof ServiceException ? err : internal(err)));
  }

  private static ServiceException internal(Throwable e) {
    return ServiceFailures.internal("auth-service", e);
  }
}
