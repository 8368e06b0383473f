package dev.maestro.platform;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;

/**
 * The one mapping from a service failure (as seen through a proxy) to an HTTP problem. Used by the
 * gateway only; services fail with {@code ServiceException} codes from {@code ErrorCodes}.
 */
public final class ServiceFailures {
  private ServiceFailures() {}

  /** → {status, title, detail, errors?}; never leaks a stack trace or an internal class name. */
  public static JsonObject toProblem(Throwable err) {
    if (err instanceof ServiceException se) {
      int code = se.failureCode();
      if (code >= 400 && code < 600) {
        JsonObject p = problem(code, se.getMessage());
        JsonObject debug = se.getDebugInfo();
        if (debug != null && debug.containsKey("errors")) p.put("errors", debug.getJsonArray("errors"));
        if (debug != null && debug.containsKey("retryAfter")) p.put("retryAfter", debug.getValue("retryAfter"));
        return p;
      }
      return problem(500, "internal error in a service");
    }
    if (err instanceof ReplyException re) {
      if (re.failureType() == ReplyFailure.NO_HANDLERS) return problem(503, "a service is not running");
      if (re.failureType() == ReplyFailure.TIMEOUT) return problem(504, "a service did not answer in time");
    }
    return problem(500, "internal error");
  }

  public static JsonObject problem(int status, String detail) {
    return new JsonObject().put("type", "about:blank").put("title", title(status)).put("status", status)
        .put("detail", detail == null ? title(status) : detail);
  }

  public static String title(int status) {
    return switch (status) {
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 409 -> "Conflict";
      case 410 -> "Gone";
      case 413 -> "Content Too Large";
      case 415 -> "Unsupported Media Type";
      case 422 -> "Unprocessable Content";
      case 429 -> "Too Many Requests";
      case 502 -> "Bad Gateway";
      case 503 -> "Service Unavailable";
      case 504 -> "Gateway Timeout";
      default -> status >= 500 ? "Internal Server Error" : "Error";
    };
  }
}
