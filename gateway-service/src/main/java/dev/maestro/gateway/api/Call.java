package dev.maestro.gateway.api;

import dev.maestro.gateway.auth.Principal;
import io.vertx.core.json.JsonObject;

import java.util.Map;

/**
 * One authenticated, authorized, validated operation call, whoever made it (JSON API, WebSocket or
 * web page). {@code principal} is the user as the user store has it now (null for public
 * operations); {@code body} is an empty object for body-less calls; {@code origin} is the browser's
 * origin for calls from the web pages, else null.
 */
public record Call(Principal principal, JsonObject body, Query query, Map<String, String> pathParams, String remoteAddress,
                   String origin) {
  public String userId() {
    return principal.userId();
  }

  public String path(String name) {
    String v = pathParams == null ? null : pathParams.get(name);
    return v == null ? "" : v;
  }

  public boolean admin() {
    return principal != null && principal.admin();
  }
}
