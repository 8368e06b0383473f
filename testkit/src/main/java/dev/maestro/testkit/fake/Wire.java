package dev.maestro.testkit.fake;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** One provider wire format as the fake upstream speaks it. */
interface Wire {
  String STAMP = "@@STAMP@@";

  /** Shared id counter so tool-call ids stay unique across responses of one server. */
  AtomicLong IDS = new AtomicLong();

  /** The SSE events (each complete, with its terminating blank line) for a turn. */
  List<String> render(FakeTurn turn, JsonObject request, String model);

  /** The provider's in-stream error event; kind is overloaded | rate_limited | server_error. */
  String midStreamError(String kind);

  /** The provider's JSON error body for an HTTP status. */
  JsonObject errorBody(int status, String message, String typeOverride);

  /** The model list answer. */
  JsonObject models();

  /** Normalizes a request body for the demo script. */
  Conversation read(JsonObject body);

  /** The credential the request carries (header or query), null when none. */
  String apiKey(HttpServerRequest req);

  /** The SSE separator this provider writes (Google uses CRLF). */
  default String eol() {
    return "\n";
  }

  static String bearer(HttpServerRequest req) {
    String h = req.getHeader("authorization");
    if (h != null && h.regionMatches(true, 0, "Bearer ", 0, 7)) return h.substring(7).trim();
    return null;
  }

  static long nextId() {
    return IDS.incrementAndGet();
  }

  static String textOf(Object content) {
    if (content == null) return "";
    if (content instanceof String s) return s;
    if (content instanceof io.vertx.core.json.JsonArray arr) {
      StringBuilder sb = new StringBuilder();
      for (Object o : arr) {
        if (o instanceof JsonObject part) {
          String t = part.getString("text");
          if (t != null) sb.append(t);
        } else if (o instanceof String s) {
          sb.append(s);
        }
      }
      return sb.toString();
    }
    if (content instanceof JsonObject obj) return obj.encode();
    return String.valueOf(content);
  }
}
