package dev.maestro.webui;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A failed gateway operation as the gateway mapped it (one mapping, in the gateway): an RFC 9457
 * problem {status, detail, errors?, retryAfter?}. The pages only render it.
 */
public final class OperationFailed extends RuntimeException {
  private final JsonObject problem;

  public OperationFailed(JsonObject problem) {
    super(problem.getString("detail", "request failed"), null, false, false);
    this.problem = problem.copy();
  }

  public JsonObject problem() {
    return problem.copy();
  }

  public int status() {
    return problem.getInteger("status", 500);
  }

  /** Seconds to wait for a 429, or 0. */
  public long retryAfter() {
    Object v = problem.getValue("retryAfter");
    if (v instanceof Number n) return n.longValue();
    if (v instanceof String s) {
      try {
        return Long.parseLong(s.trim());
      } catch (NumberFormatException e) {
        return 0;
      }
    }
    return 0;
  }

  /** The detail, then the per-field errors: what a page shows. */
  public String message() {
    StringBuilder sb = new StringBuilder(problem.getString("detail", "Request failed"));
    JsonArray errors = problem.getJsonArray("errors");
    if (errors != null) {
      for (Object o : errors) {
        if (o instanceof JsonObject e) sb.append(" — ").append(e.getString("field", "")).append(": ").append(e.getString("message", ""));
      }
    }
    return sb.toString();
  }

  /** Whatever failed → what a page shows: the gateway's problem, or a 500 that names nothing internal. */
  static int status(Throwable t) {
    return t instanceof OperationFailed f ? f.status() : 500;
  }

  static String message(Throwable t) {
    return t instanceof OperationFailed f ? f.message() : "Something went wrong. Try again.";
  }
}
