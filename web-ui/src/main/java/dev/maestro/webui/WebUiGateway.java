package dev.maestro.webui;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * What the web UI needs from the gateway that is not a service contract: checking a password
 * (users live in the gateway's schema, with its login rate limits) and ending what a signed-out
 * browser session had open. Implemented by the gateway.
 */
public interface WebUiGateway {
  /**
   * → principal {userId, username, role}. Fails with a ServiceException: 401 for wrong credentials,
   * 429 (debugInfo {retryAfter: seconds}) when rate-limited.
   */
  Future<JsonObject> login(String username, String password, String remoteAddress);

  /**
   * The browser session {@code sessionKey} ({@link WebUi#sessionKey}) was signed out: whatever was
   * opened with it (live WebSockets on any gateway) must end now, not when it next checks.
   */
  default void signedOut(String sessionKey) {
  }
}
