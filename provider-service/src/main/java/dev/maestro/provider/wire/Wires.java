package dev.maestro.provider.wire;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Helpers shared by the adapters. */
public final class Wires {
  private Wires() {}

  public static String trimSlash(String url) {
    String u = url;
    while (u.endsWith("/")) u = u.substring(0, u.length() - 1);
    return u;
  }

  public static MultiMap jsonHeaders() {
    return MultiMap.caseInsensitiveMultiMap().add("content-type", "application/json")
        .add("accept", "text/event-stream");
  }

  public static JsonObject jsonOrNull(Buffer body) {
    if (body == null || body.length() == 0) return null;
    try {
      Object v = io.vertx.core.json.Json.decodeValue(body);
      return v instanceof JsonObject o ? o : null;
    } catch (DecodeException e) {
      return null;
    }
  }

  public static JsonObject jsonOrNull(String data) {
    try {
      Object v = io.vertx.core.json.Json.decodeValue(data);
      return v instanceof JsonObject o ? o : null;
    } catch (DecodeException e) {
      return null;
    }
  }

  /**
   * A provider's structured error message (the {@code message} of its JSON error) as it may be shown:
   * cleaned and capped ({@link dev.maestro.platform.net.ForeignText}). Bodies of any other shape are
   * never shown (a base URL may point anywhere; its page is not the member's to read).
   */
  public static String errorMessage(String message) {
    return dev.maestro.platform.net.ForeignText.clean(message);
  }

  /** retry-after-ms, then retry-after (seconds or an HTTP date) → ms, else null. */
  public static Long retryAfterMs(MultiMap headers) {
    String ms = headers.get("retry-after-ms");
    if (ms != null) {
      try {
        return (long) Double.parseDouble(ms.trim());
      } catch (NumberFormatException ignored) {
        // fall through to retry-after
      }
    }
    String ra = headers.get("retry-after");
    if (ra == null) return null;
    try {
      return (long) (Double.parseDouble(ra.trim()) * 1000);
    } catch (NumberFormatException e) {
      try {
        long at = ZonedDateTime.parse(ra.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
        return Math.max(0, at - System.currentTimeMillis());
      } catch (RuntimeException ignored) {
        return null;
      }
    }
  }

  public static Boolean shouldRetry(MultiMap headers) {
    String v = headers.get("x-should-retry");
    if (v == null) return null;
    return "true".equalsIgnoreCase(v.trim());
  }

  /** Parses accumulated tool-call arguments; an unparsable string is kept under {@code _invalidJson}. */
  public static JsonObject arguments(String json) {
    if (json == null || json.isBlank()) return new JsonObject();
    JsonObject o = jsonOrNull(json);
    return o != null ? o : new JsonObject().put("_invalidJson", json);
  }

  /** A message's content as a list of parts (a plain string becomes one text part). */
  public static List<JsonObject> parts(JsonObject message) {
    Object content = message.getValue("content");
    List<JsonObject> out = new ArrayList<>();
    if (content instanceof String s) {
      out.add(new JsonObject().put("type", "text").put("text", s));
    } else if (content instanceof JsonArray arr) {
      for (Object o : arr) {
        if (o instanceof JsonObject p) out.add(p);
        else if (o instanceof String s) out.add(new JsonObject().put("type", "text").put("text", s));
      }
    }
    return out;
  }

  /** Tool-call arguments of a part as a JSON object (it may come as an object or a JSON string). */
  public static JsonObject partArguments(JsonObject part) {
    Object a = part.getValue("arguments");
    if (a instanceof JsonObject o) return o;
    if (a instanceof String s) return arguments(s);
    return new JsonObject();
  }

  public static String role(JsonObject message) {
    String r = message.getString("role", "user").toLowerCase(Locale.ROOT);
    return r.equals("tool") ? "user" : r;
  }

  /** Copies extras into the body except the keys Maestro itself interprets. */
  public static void mergeExtras(JsonObject body, JsonObject extras) {
    if (extras == null) return;
    extras.forEach(e -> {
      if (!ChatExtras.RESERVED.contains(e.getKey())) body.put(e.getKey(), e.getValue());
    });
  }
}
