package dev.maestro.tool.mcp;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Vert.x JSON as plain maps and lists all the way down. The SDK (and {@link StatelessHttpClient}) write
 * with Jackson, which does not know Vert.x JSON types: a {@link JsonObject} nested in a tool's arguments
 * (what a local event bus copy makes of every nested object) would go out as a bean, not as the object.
 */
final class PlainJson {
  private PlainJson() { }

  @SuppressWarnings("unchecked")
  static Map<String, Object> of(JsonObject json) {
    return json == null ? null : (Map<String, Object>) value(json);
  }

  static Object value(Object v) {
    if (v instanceof JsonObject o) return value(o.getMap());
    if (v instanceof JsonArray a) return value(a.getList());
    if (v instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((k, x) -> out.put(String.valueOf(k), value(x)));
      return out;
    }
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>(l.size());
      l.forEach(x -> out.add(value(x)));
      return out;
    }
    return v;
  }
}
