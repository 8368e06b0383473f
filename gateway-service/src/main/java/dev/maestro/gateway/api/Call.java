package dev.maestro.gateway.api;

import dev.maestro.gateway.auth.Principal;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** One authenticated, validated API request. {@code body} is an empty object for body-less calls. */
public record Call(RoutingContext rc, Principal principal, JsonObject body, Query query) {
  public String userId() {
    return principal.userId();
  }

  public String path(String name) {
    return rc.pathParam(name);
  }
}
