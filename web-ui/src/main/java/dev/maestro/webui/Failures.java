package dev.maestro.webui;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;

/** Turns a service failure into what a page shows: an HTTP status and a sentence for a person. */
final class Failures {
  private Failures() {}

  static int status(Throwable t) {
    if (t instanceof ServiceException se && se.failureCode() >= 400 && se.failureCode() < 600) return se.failureCode();
    if (t instanceof ReplyException re && (re.failureType() == ReplyFailure.NO_HANDLERS || re.failureType() == ReplyFailure.TIMEOUT)) return 503;
    return 500;
  }

  /** A readable message; validation errors are listed field by field; never a stack trace. */
  static String message(Throwable t) {
    if (t instanceof ServiceException se) {
      StringBuilder sb = new StringBuilder(se.getMessage() == null ? "Request failed" : se.getMessage());
      JsonObject debug = se.getDebugInfo();
      JsonArray errors = debug == null ? null : debug.getJsonArray("errors");
      if (errors != null) {
        for (Object o : errors) {
          if (o instanceof JsonObject e) sb.append(" — ").append(e.getString("field", "")).append(": ").append(e.getString("message", ""));
        }
      }
      return sb.toString();
    }
    if (t instanceof ReplyException re && re.failureType() == ReplyFailure.NO_HANDLERS) {
      return "A Maestro service is not running right now. Try again in a moment.";
    }
    if (t instanceof ReplyException re && re.failureType() == ReplyFailure.TIMEOUT) {
      return "A Maestro service did not answer in time. Try again in a moment.";
    }
    return "Something went wrong. Try again.";
  }

  /** Seconds to wait from a 429 ServiceException's debugInfo {retryAfter}, or 0. */
  static long retryAfter(Throwable t) {
    if (t instanceof ServiceException se && se.getDebugInfo() != null) {
      Object v = se.getDebugInfo().getValue("retryAfter");
      if (v instanceof Number n) return n.longValue();
      if (v instanceof String s) {
        try { return Long.parseLong(s.trim()); } catch (NumberFormatException ignored) { return 0; }
      }
    }
    return 0;
  }
}
