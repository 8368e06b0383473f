package dev.maestro.tool.mcp;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code x-mcp-header} (2026-07-28, basic/transports/streamable-http.mdx "Custom Headers from Tool
 * Parameters"): a tool's input property annotated with it is mirrored into an {@code Mcp-Param-{name}}
 * header on tools/call. A tool whose annotations break the rules (not a token, not unique, not a string /
 * integer / boolean, or not reachable through {@code properties} keys only) must be left out of the list.
 */
final class McpParamHeaders {
  static final String KEY = "x-mcp-header";
  private static final String TCHAR = "!#$%&'*+-.^_`|~";
  private static final long MAX_SAFE = (1L << 53) - 1;

  private McpParamHeaders() { }

  /** Header name → property path of a tool's annotations (empty when it has none); throws with the reason when invalid. */
  static Map<String, List<String>> of(Object inputSchema) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    if (!(inputSchema instanceof Map<?, ?> root)) return out;
    walk(root, new ArrayList<>(), out);
    if (count(root) != out.size()) {
      throw new IllegalArgumentException(KEY + " on a property not reachable through 'properties' keys alone");
    }
    return out;
  }

  private static void walk(Map<?, ?> schema, List<String> path, Map<String, List<String>> out) {
    if (!(schema.get("properties") instanceof Map<?, ?> props)) return;
    for (Map.Entry<?, ?> e : props.entrySet()) {
      if (!(e.getValue() instanceof Map<?, ?> prop)) continue;
      List<String> at = new ArrayList<>(path);
      at.add(String.valueOf(e.getKey()));
      Object name = prop.get(KEY);
      if (name != null) {
        String n = String.valueOf(name);
        if (!(name instanceof String) || !token(n)) throw new IllegalArgumentException(KEY + " '" + n + "' is not an HTTP header token");
        Object type = prop.get("type");
        if (!"string".equals(type) && !"integer".equals(type) && !"boolean".equals(type)) {
          throw new IllegalArgumentException(KEY + " '" + n + "' is on a property that is not a string, integer or boolean");
        }
        if (out.keySet().stream().anyMatch(k -> k.equalsIgnoreCase(n))) throw new IllegalArgumentException(KEY + " '" + n + "' is used twice");
        out.put(n, at);
      }
      walk(prop, at, out);
    }
  }

  /** Every x-mcp-header key anywhere in the schema. */
  private static int count(Object node) {
    int n = 0;
    if (node instanceof Map<?, ?> m) {
      if (m.containsKey(KEY)) n++;
      for (Object v : m.values()) n += count(v);
    } else if (node instanceof List<?> l) {
      for (Object v : l) n += count(v);
    }
    return n;
  }

  private static boolean token(String s) {
    if (s.isEmpty()) return false;
    for (char c : s.toCharArray()) {
      if (!(c < 128 && (Character.isLetterOrDigit(c) || TCHAR.indexOf(c) >= 0))) return false;
    }
    return true;
  }

  /** The Mcp-Param-* headers for one call's arguments; a property absent or null gives no header. */
  static Map<String, String> headers(Map<String, List<String>> annotated, Map<String, Object> arguments) {
    Map<String, String> h = new LinkedHashMap<>();
    annotated.forEach((name, path) -> {
      Object v = arguments;
      for (String key : path) v = v instanceof Map<?, ?> m ? m.get(key) : null;
      String text = null;
      if (v instanceof String str) text = str;
      else if (v instanceof Boolean b) text = b.toString().toLowerCase(Locale.ROOT);
      else if (v instanceof Number num && num.doubleValue() == Math.rint(num.doubleValue()) && Math.abs(num.doubleValue()) <= MAX_SAFE) {
        text = Long.toString(num.longValue());
      }   // anything else: the schema said otherwise; the server validates the body anyway
      if (text != null) h.put("Mcp-Param-" + name, StatelessHttpClient.headerValue(text));
    });
    return h;
  }
}
