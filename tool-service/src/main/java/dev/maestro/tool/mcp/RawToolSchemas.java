package dev.maestro.tool.mcp;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tools' input schemas as a server listed them (plain maps from the JSON), by tool name: what Maestro gives
 * the model, so JSON Schema 2020-12 keywords the SDK's typed schema drops survive. Bounded like the lists.
 */
final class RawToolSchemas {
  private static final int MAX_TOOLS = 10_000;
  private final Map<String, Map<String, Object>> byName = new ConcurrentHashMap<>();

  /** Keeps the schemas of a tools/list result ({tools: [{name, inputSchema}]}); anything else is ignored. */
  @SuppressWarnings("unchecked")
  void keep(Object result) {
    if (!(result instanceof Map<?, ?> r) || !(r.get("tools") instanceof List<?> tools)) return;
    for (Object t : tools) {
      if (t instanceof Map<?, ?> tool && tool.get("name") instanceof String name && tool.get("inputSchema") instanceof Map<?, ?> schema
          && (byName.size() < MAX_TOOLS || byName.containsKey(name))) {
        byName.put(name, (Map<String, Object>) schema);
      }
    }
  }

  Map<String, Object> get(String tool) {
    return byName.get(tool);
  }
}
