package dev.maestro.tool.mcp;

import dev.maestro.tool.builtin.EnvScrubber;
import io.modelcontextprotocol.client.transport.HttpClientSseClientTransport;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/** Builds the transport for one configured server: sandboxed stdio, Streamable HTTP or legacy HTTP+SSE. */
final class McpTransports {
  private static final Logger LOG = LoggerFactory.getLogger(McpTransports.class);

  private final Vertx vertx;
  private final McpSettings settings;
  private final JsonObject config;
  private final McpSandbox sandbox;
  private final McpJsonMapper mapper;

  McpTransports(Vertx vertx, McpSettings settings, JsonObject config, McpSandbox sandbox, McpJsonMapper mapper) {
    this.vertx = vertx;
    this.settings = settings;
    this.config = config;
    this.sandbox = sandbox;
    this.mapper = mapper;
  }

  McpJsonMapper mapper() {
    return mapper;
  }

  boolean http() {
    return "http".equals(config.getString("transport"));
  }

  /**
   * The server under the sandbox, with a scrubbed environment plus its own HOME and configured env.
   * Everything that touches the file system (the command's lookup, mounts, the private home) runs on a
   * worker; a command the sandbox cannot see fails here, with the reason and the fix, not at a timeout.
   */
  Future<McpClientTransport> stdio() {
    if (sandbox == null) return Future.failedFuture(new IllegalStateException("stdio servers are not available here"));
    String name = config.getString("name");
    return vertx.executeBlocking(() -> {
      McpSandbox.Launch launch = sandbox.launch(config);
      Map<String, String> env = new TreeMap<>(EnvScrubber.scrub(System.getenv()));
      env.put("HOME", launch.home().toString());
      config.getJsonObject("env", new JsonObject()).forEach(e -> env.put(e.getKey(), String.valueOf(e.getValue())));
      sandbox.sandbox().environment(env);
      return new StdioServerTransport(launch.argv(), env, launch.home(), mapper,
          line -> LOG.debug("MCP server {} stderr: {}", name, line));
    }, false);
  }

  /** Whether the admin configured an Authorization header themselves (then no OAuth token is added). */
  boolean ownAuthorization() {
    return headers().keySet().stream().anyMatch(k -> k.equalsIgnoreCase("authorization"));
  }

  /** Our own Streamable HTTP transport: the SDK's ignores SSE retry/Last-Event-ID (see the class). */
  McpClientTransport streamable(String token) {
    URI uri = URI.create(config.getString("url"));
    return new StreamableHttpTransport(uri, requestHeaders(token), mapper, Duration.ofSeconds(10),
        () -> McpUrls.check(settings.outbound(), uri));
  }

  /** The wire of the stateless 2026-07-28 revision (tried first: server/discover). */
  StatelessHttpClient stateless(String token) {
    URI uri = URI.create(config.getString("url"));
    return new StatelessHttpClient(uri, requestHeaders(token), mapper, Duration.ofSeconds(10),
        () -> McpUrls.check(settings.outbound(), uri));
  }

  /** The 2024-11-05 HTTP+SSE transport, for older servers. */
  McpClientTransport legacySse(String token) {
    URI uri = URI.create(config.getString("url"));
    return HttpClientSseClientTransport.builder(base(uri)).sseEndpoint(endpoint(uri))
        .customizeRequest(b -> requestHeaders(token).forEach(b::header))
        // every request, the SSE GET and the POSTs to the message endpoint the server named alike
        .httpRequestCustomizer((b, method, endpoint, body, ctx) -> McpUrls.check(settings.outbound(), endpoint))
        .connectTimeout(Duration.ofSeconds(10)).build();
  }

  /** Configured headers plus the bearer token (sent on every request, never logged or returned). */
  private Map<String, String> requestHeaders(String token) {
    Map<String, String> h = headers();
    if (token != null) h.put("Authorization", "Bearer " + token);
    return h;
  }

  private Map<String, String> headers() {
    Map<String, String> h = new LinkedHashMap<>();
    config.getJsonObject("headers", new JsonObject()).forEach(e -> h.put(e.getKey(), String.valueOf(e.getValue())));
    return h;
  }

  private static String base(URI uri) {
    return uri.getScheme() + "://" + uri.getRawAuthority();
  }

  private static String endpoint(URI uri) {
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    return uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
  }
}
