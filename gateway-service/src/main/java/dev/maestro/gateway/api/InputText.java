package dev.maestro.gateway.api;

import dev.maestro.platform.TextRules;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.serviceproxy.ServiceException;

import java.util.Map;

/**
 * Path and query parameters must be text ({@link TextRules}): a {@code %00} in an id or a search
 * is a 400 naming the parameter before any service or SQL sees it. Bodies are checked by
 * {@link RequestValidator}; WebSocket frames by the gateway's socket handler.
 */
public final class InputText {
  private InputText() {}

  /** Throws a 400 ServiceException listing each bad path or query parameter. */
  public static void check(RoutingContext rc) {
    check(rc.pathParams(), new Query(rc.queryParams()));
  }

  /** The same for an operation called by the API, a page or the WebSocket. */
  public static void check(Map<String, String> path, Query query) {
    JsonArray errors = new JsonArray();
    if (path != null) for (Map.Entry<String, String> e : path.entrySet()) add(errors, e.getKey(), e.getValue());
    if (query != null) for (Map.Entry<String, String> e : query.params()) add(errors, e.getKey(), e.getValue());
    if (!errors.isEmpty()) {
      throw new ServiceException(400, "invalid text in the request parameters", new JsonObject().put("errors", errors));
    }
  }

  private static void add(JsonArray errors, String name, String value) {
    if (errors.size() >= 20) return;
    String nameProblem = TextRules.problem(name);
    if (nameProblem != null) {
      errors.add(new JsonObject().put("field", "(query)").put("message", "a parameter name " + nameProblem));
      return;
    }
    String p = TextRules.problem(value);
    if (p != null) errors.add(new JsonObject().put("field", name).put("message", p));
  }
}
