package dev.maestro.tool.mcp;

import dev.maestro.contracts.ErrorCodes;
import dev.maestro.contracts.auth.AuthService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;

/**
 * The pre-registered OAuth client an admin may give an HTTP MCP server ({@code oauthClient:
 * {clientId, clientSecret?}}), for authorization servers without dynamic registration. The secret
 * goes straight to auth-service, which keeps it encrypted; tool-service stores only
 * {clientId, hasClientSecret} and shows the secret as redacted.
 */
final class McpOAuthClients {
  private final AuthService auth;

  McpOAuthClients(Vertx vertx) {
    this.auth = AuthService.createProxy(vertx);
  }

  /** Field errors of an {@code oauthClient} value (null is valid: it removes the client). */
  static void validate(Object v, JsonArray errors) {
    if (v == null) return;
    if (!(v instanceof JsonObject o)) {
      errors.add(err("must be an object {clientId, clientSecret?} or null"));
      return;
    }
    for (String k : o.fieldNames()) {
      if (!k.equals("clientId") && !k.equals("clientSecret")) errors.add(err("has an unknown field '" + k + "'"));
    }
    if (!(o.getValue("clientId") instanceof String id) || id.isBlank() || id.length() > 500) {
      errors.add(err("clientId must be a non-empty string of at most 500 characters"));
    }
    Object secret = o.getValue("clientSecret");
    if (secret != null && (!(secret instanceof String s) || s.length() > 2000)) {
      errors.add(err("clientSecret must be a string of at most 2000 characters"));
    }
  }

  /**
   * Hands {@code oauthClient} of a validated create/patch to auth-service → what tool-service keeps:
   * {clientId, hasClientSecret}, or null after a removal. The redacted placeholder keeps the stored secret.
   */
  Future<JsonObject> save(String serverId, JsonObject oauthClient) {
    JsonObject forAuth = null;
    if (oauthClient != null) {
      forAuth = new JsonObject().put("clientId", oauthClient.getString("clientId").trim());
      if (oauthClient.containsKey("clientSecret") && !McpManager.REDACTED.equals(oauthClient.getValue("clientSecret"))) {
        forAuth.put("clientSecret", oauthClient.getValue("clientSecret"));
      }
    }
    boolean remove = forAuth == null;
    return unavailableAsProblem(auth.setMcpOAuthClient(serverId, forAuth))
        .map(r -> remove ? null : new JsonObject().put("clientId", r.getString("clientId"))
            .put("hasClientSecret", r.getBoolean("hasClientSecret", false)));
  }

  Future<Void> remove(String serverId) {
    return unavailableAsProblem(auth.setMcpOAuthClient(serverId, null)).mapEmpty();
  }

  /** The API view: the secret is never known here, only whether one is set. */
  static JsonObject view(JsonObject stored) {
    JsonObject v = new JsonObject().put("clientId", stored.getString("clientId"));
    if (stored.getBoolean("hasClientSecret", false)) v.put("clientSecret", McpManager.REDACTED);
    return v;
  }

  private static <T> Future<T> unavailableAsProblem(Future<T> f) {
    return f.recover(e -> e instanceof ReplyException re && !(e instanceof ServiceException)
        ? ServiceException.fail(ErrorCodes.UNAVAILABLE, "auth-service is unavailable (" + re.failureType()
            + "): the MCP server's OAuth client could not be saved; try again")
        : Future.failedFuture(e));
  }

  private static JsonObject err(String message) {
    return new JsonObject().put("field", "oauthClient").put("message", message);
  }
}
