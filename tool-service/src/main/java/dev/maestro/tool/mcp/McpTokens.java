package dev.maestro.tool.mcp;

import dev.maestro.contracts.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;

/**
 * Bearer tokens for HTTP MCP servers from auth-service ({@code mcpToken} / {@code refreshMcpToken},
 * which the auth helper added as default methods of AuthService). Called with the service-proxy
 * wire format (header {@code action}, body keyed by parameter name) so this module does not need
 * the newer contract to compile. Any failure (no sign-in yet, auth-service down, method missing)
 * means "no token": the server is then tried without one and a 401 is reported as such.
 */
public class McpTokens {
  private final Vertx vertx;

  public McpTokens(Vertx vertx) {
    this.vertx = vertx;
  }

  /** The current token, or null. */
  public Future<String> token(String serverId) {
    return ask("mcpToken", serverId);
  }

  /** A refreshed token after the server refused the current one, or null. */
  public Future<String> refresh(String serverId) {
    return ask("refreshMcpToken", serverId);
  }

  private Future<String> ask(String action, String serverId) {
    if (serverId == null) return Future.succeededFuture(null);
    return vertx.eventBus().<Object>request(Addresses.AUTH_SERVICE, new JsonObject().put("serverId", serverId),
            new DeliveryOptions().addHeader("action", action).setSendTimeout(10_000))
        .map(msg -> msg.body() instanceof JsonObject j ? j.getString("secret") : null)
        .otherwise((String) null);
  }
}
