package dev.maestro.webui;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.Arrays;

/** Small helpers for reading HTML form fields. */
final class Forms {
  private Forms() {}

  /** The trimmed field, or null when absent or blank. */
  static String field(RoutingContext rc, String name) {
    String v = rc.request().getFormAttribute(name);
    if (v == null) return null;
    v = v.trim();
    return v.isEmpty() ? null : v;
  }

  static boolean checked(RoutingContext rc, String name) {
    String v = rc.request().getFormAttribute(name);
    return v != null && !v.isEmpty() && !"false".equals(v) && !"off".equals(v);
  }

  /** Splits on newlines and commas (lists typed in a textarea or a single line). */
  static JsonArray list(String text) {
    JsonArray out = new JsonArray();
    if (text == null) return out;
    Arrays.stream(text.split("[,\\n]")).map(String::trim).filter(s -> !s.isEmpty()).forEach(out::add);
    return out;
  }

  /** One argument per line (arguments may contain spaces or commas). */
  static JsonArray lines(String text) {
    JsonArray out = new JsonArray();
    if (text == null) return out;
    text.lines().map(String::trim).filter(s -> !s.isEmpty()).forEach(out::add);
    return out;
  }

  /** "KEY=value" (sep '=') or "Name: value" (sep ':') lines → object. */
  static JsonObject pairs(String text, char sep) {
    JsonObject out = new JsonObject();
    if (text == null) return out;
    text.lines().forEach(line -> {
      int i = line.indexOf(sep);
      if (i > 0) out.put(line.substring(0, i).trim(), line.substring(i + 1).trim());
    });
    return out;
  }
}
