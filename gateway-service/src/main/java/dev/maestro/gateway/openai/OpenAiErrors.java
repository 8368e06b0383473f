package dev.maestro.gateway.openai;

import dev.maestro.platform.ServiceFailures;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;

/**
 * Maestro's failures in OpenAI's error shape, {@code {"error":{"message","type","param","code"}}}, with the
 * same HTTP status the JSON API would answer (the one mapping, {@link ServiceFailures#toProblem}); OpenAI
 * clients read {@code type} and {@code code}, never a problem+json.
 */
public final class OpenAiErrors {
  private OpenAiErrors() {}

  /** → {status, body}. */
  public static JsonObject of(Throwable err) {
    JsonObject problem = ServiceFailures.toProblem(err);
    int status = problem.getInteger("status", 500);
    String message = problem.getString("detail", "error");
    String param = null;
    if (problem.getValue("errors") instanceof JsonArray errors && !errors.isEmpty() && errors.getValue(0) instanceof JsonObject first) {
      param = first.getString("field");
      message = message + ": " + param + " " + first.getString("message", "");
    }
    String code = err instanceof ServiceException se && se.getDebugInfo() != null
        && se.getDebugInfo().getValue("code") instanceof String c ? c : null;
    return new JsonObject().put("status", status).put("body", body(status, message, param, code));
  }

  public static JsonObject body(int status, String message, String param, String code) {
    return new JsonObject().put("error", new JsonObject().put("message", message).put("type", type(status))
        .put("param", param).put("code", code != null ? code : defaultCode(status)));
  }

  static String type(int status) {
    return switch (status) {
      case 401 -> "authentication_error";
      case 403 -> "permission_error";
      case 404 -> "invalid_request_error";
      case 409 -> "conflict_error";
      case 429 -> "rate_limit_error";
      default -> status >= 500 ? "api_error" : "invalid_request_error";
    };
  }

  static String defaultCode(int status) {
    return switch (status) {
      case 401 -> "invalid_api_key";
      case 404 -> "not_found";
      case 413 -> "request_too_large";
      case 429 -> "rate_limit_exceeded";
      default -> status >= 500 ? "server_error" : "invalid_request";
    };
  }
}
