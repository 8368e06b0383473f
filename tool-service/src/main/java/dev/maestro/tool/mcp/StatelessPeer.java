package dev.maestro.tool.mcp;

import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpTransportException;
import reactor.core.publisher.Mono;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A server of the 2026-07-28 revision as a {@link McpPeer}: what {@code server/discover} said (versions,
 * capabilities, instructions) and the list/read/get requests, each standing alone on the
 * {@link StatelessWire} (HTTP or stdio). Results are the SDK's types (its records ignore the new fields such as
 * {@code resultType}, {@code ttlMs}, {@code cacheScope}).
 */
final class StatelessPeer implements McpPeer {
  /** What server/discover answered. */
  record Discovery(List<String> supportedVersions, McpSchema.ServerCapabilities capabilities, String instructions,
                   Map<String, Object> raw) {
    boolean speaksOurs() {
      return supportedVersions.contains(StatelessHttpClient.VERSION);
    }

    /** Whether the server takes task handles' methods (the Tasks extension) per its capabilities. */
    boolean tasks() {
      return raw.get("capabilities") instanceof Map<?, ?> caps && caps.get("extensions") instanceof Map<?, ?> ext
          && ext.containsKey(StatelessHttpClient.TASKS_EXTENSION);
    }
  }

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(StatelessPeer.class);
  private final StatelessWire http;
  private volatile Discovery discovery;
  /** Tool name → its x-mcp-header annotations (header name → property path), from the last tools/list. */
  private final Map<String, Map<String, List<String>>> paramHeaders = new java.util.concurrent.ConcurrentHashMap<>();
  private final RawToolSchemas schemas = new RawToolSchemas();
  /** The subscriptions/listen stream, when the server advertises what it carries; null before {@link #listen}. */
  private volatile StatelessListen listen;
  private volatile boolean closed;

  StatelessPeer(StatelessWire wire) {
    this.http = wire;
  }

  StatelessWire wire() {
    return http;
  }

  /**
   * Opens the subscriptions/listen stream (after discover) when the server advertises list changes or resource
   * subscriptions; what comes on it goes to {@code events}.
   */
  void listen(McpClientFactory.Events events) {
    if (closed || listen != null) return;
    listen = StatelessListen.open(this, events);
    if (closed && listen != null) listen.close();
  }

  /** The listen stream, or null. */
  StatelessListen listening() {
    return listen;
  }

  /** Ends the listen stream and what the wire holds open (a stdio server's process). */
  void close() {
    closed = true;
    StatelessListen l = listen;
    if (l != null) l.close();
    http.close();
  }

  Discovery discovery() {
    return discovery;
  }

  /** server/discover; remembers the answer (capabilities, instructions). Also the liveness check (no ping here). */
  Mono<Discovery> discover() {
    return http.request("server/discover", null, Map.of(), null).map(r -> {
      List<String> versions = r.get("supportedVersions") instanceof List<?> l
          ? l.stream().map(String::valueOf).toList() : List.of();
      McpSchema.ServerCapabilities caps = r.get("capabilities") == null ? null
          : http.mapper().convertValue(r.get("capabilities"), McpSchema.ServerCapabilities.class);
      Object said = r.get("instructions");
      Discovery d = new Discovery(versions, caps, said instanceof String s ? s : null, r);
      discovery = d;
      return d;
    });
  }

  @Override public McpSchema.ServerCapabilities capabilities() {
    Discovery d = discovery;
    return d == null ? null : d.capabilities();
  }

  /** Tools whose x-mcp-header annotations break the rules are left out (the spec's MUST), with a warning. */
  @Override public Mono<McpSchema.ListToolsResult> listTools(String cursor) {
    return complete("tools/list", null, page(cursor), Map.class).map(raw -> {
      List<Object> kept = new java.util.ArrayList<>();
      if (raw.get("tools") instanceof List<?> l) {
        for (Object t : l) {
          if (!(t instanceof Map<?, ?> tool)) continue;
          String name = String.valueOf(tool.get("name"));
          try {
            Map<String, List<String>> h = McpParamHeaders.of(tool.get("inputSchema"));
            if (h.isEmpty()) paramHeaders.remove(name);
            else paramHeaders.put(name, h);
            kept.add(t);
          } catch (IllegalArgumentException e) {
            LOG.warn("MCP tool '{}' left out: {}", name.length() > 128 ? name.substring(0, 128) : name, e.getMessage());
          }
        }
      }
      Map<String, Object> r = new HashMap<>();
      raw.forEach((k, v) -> r.put(String.valueOf(k), v));
      r.put("tools", kept);
      schemas.keep(r);
      return http.mapper().convertValue(r, McpSchema.ListToolsResult.class);
    });
  }

  /** The tool's input schema as the server last listed it, or null. */
  Map<String, Object> rawSchema(String tool) {
    return schemas.get(tool);
  }

  /** The Mcp-Param-* headers a tools/call of {@code tool} with these arguments carries. */
  Map<String, String> paramHeaders(String tool, Map<String, Object> arguments) {
    Map<String, List<String>> h = paramHeaders.get(tool);
    return h == null ? Map.of() : McpParamHeaders.headers(h, arguments);
  }

  @Override public Mono<McpSchema.ListResourcesResult> listResources(String cursor) {
    return complete("resources/list", null, page(cursor), McpSchema.ListResourcesResult.class);
  }

  /**
   * No resources/subscribe in this revision: the URI joins the {@code resourceSubscriptions} of the listen
   * stream (reopened with it). Without a stream, reads are simply not cached as fresh.
   */
  @Override public Mono<Void> subscribeResource(String uri) {
    StatelessListen l = listen;
    if (l == null || !l.subscribes()) {
      return Mono.error(new McpTransportException("resources/subscribe is not part of MCP " + StatelessHttpClient.VERSION));
    }
    return l.subscribe(uri);
  }

  @Override public Mono<Void> unsubscribeResource(String uri) {
    StatelessListen l = listen;
    return l == null ? Mono.empty() : l.unsubscribe(uri);
  }

  @Override public Mono<McpSchema.ReadResourceResult> readResource(String uri) {
    return complete("resources/read", uri, Map.of("uri", uri), McpSchema.ReadResourceResult.class);
  }

  @Override public Mono<McpSchema.ListPromptsResult> listPrompts(String cursor) {
    return complete("prompts/list", null, page(cursor), McpSchema.ListPromptsResult.class);
  }

  @Override public Mono<McpSchema.GetPromptResult> getPrompt(McpSchema.GetPromptRequest r) {
    Map<String, Object> params = new HashMap<>();
    params.put("name", r.name());
    if (r.arguments() != null) params.put("arguments", r.arguments());
    return complete("prompts/get", r.name(), params, McpSchema.GetPromptResult.class);
  }

  private static Map<String, Object> page(String cursor) {
    return cursor == null ? Map.of() : Map.of("cursor", cursor);
  }

  /** A request whose result must be complete (we announce no input-request support, so none should ask). */
  private <T> Mono<T> complete(String method, String name, Map<String, Object> params, Class<T> type) {
    return http.request(method, name, params, null).flatMap(r -> {
      String kind = resultType(r);
      if (!"complete".equals(kind)) {
        return Mono.error(new McpTransportException("the MCP server answered " + method + " with resultType '" + kind
            + "', which Maestro does not take for it"));
      }
      return Mono.just(http.mapper().convertValue(r, type));
    });
  }

  /** The result's resultType; an absent one means "complete" (results of earlier revisions have none). */
  static String resultType(Map<String, Object> result) {
    Object t = result.get("resultType");
    return t == null ? "complete" : String.valueOf(t);
  }
}
