package dev.maestro.webui;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.Map;

/**
 * The gateway as the web UI sees it: the pages are a renderer over the gateway's operations and
 * hold no service proxies of their own. Every failure is an {@link OperationFailed} carrying the
 * gateway's problem ({status, detail, errors?, retryAfter?}); the pages render it, they never map
 * failures themselves. Implemented by the gateway.
 */
public interface WebUiGateway {
  /**
   * → principal {userId, username, role}. Fails with {@link OperationFailed}: 401 for wrong
   * credentials, 429 (retryAfter in seconds) when rate-limited.
   */
  Future<JsonObject> login(String username, String password, String remoteAddress);

  /**
   * The browser session {@code sessionKey} ({@link WebUi#sessionKey}) was signed out: whatever was
   * opened with it (live WebSockets on any gateway) must end now, not when it next checks.
   */
  default void signedOut(String sessionKey) {
  }

  /**
   * The signed-in browser user as the user store has it now → {userId, username, role}; fails
   * with a 401 {@link OperationFailed} when the cookie names nobody or a deleted user.
   */
  Future<JsonObject> principal(RoutingContext rc);

  /**
   * Runs the API operation {@code operationId} (an operationId of the OpenAPI document) as the
   * browser's user, through the same checks as the JSON API: current user and role, CSRF and
   * origin for state changes, rate limits, schema. → the reply's JSON ({} for 204; for a non-JSON
   * reply {contentType, text}).
   */
  Future<JsonObject> call(RoutingContext rc, String operationId, Map<String, String> path, Map<String, String> query, JsonObject body);

  default Future<JsonObject> call(RoutingContext rc, String operationId, Map<String, String> path, JsonObject body) {
    return call(rc, operationId, path, Map.of(), body);
  }

  default Future<JsonObject> call(RoutingContext rc, String operationId) {
    return call(rc, operationId, Map.of(), Map.of(), null);
  }
}
