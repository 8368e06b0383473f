package dev.maestro.webui;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * What the web UI needs from the gateway that is not a service contract: checking a password
 * (users live in the gateway's schema, with its login rate limits). Implemented by the gateway.
 */
public interface WebUiGateway {
  /**
   * → principal {userId, username, role}. Fails with a ServiceException: 401 for wrong credentials,
   * 429 (debugInfo {retryAfter: seconds}) when rate-limited.
   */
  Future<JsonObject> login(String username, String password, String remoteAddress);
}
