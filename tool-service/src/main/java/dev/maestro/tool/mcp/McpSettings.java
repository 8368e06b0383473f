package dev.maestro.tool.mcp;

import dev.maestro.platform.MaestroConfig;
import dev.maestro.platform.Settings;
import dev.maestro.platform.net.OutboundPolicy;
import io.vertx.core.json.JsonObject;

/**
 * MCP client timing: MAESTRO_MCP_PING_MS (default 15000: how often a connected server is pinged
 * to notice it died), MAESTRO_MCP_BACKOFF_MS (first reconnect delay, default 1000, doubling up to
 * MAESTRO_MCP_MAX_BACKOFF_MS, default 60000) and MAESTRO_MCP_REQUEST_TIMEOUT_SECONDS (default 60); and which
 * server URLs may be reached ({@link OutboundPolicy}, MAESTRO_ALLOWED_PRIVATE_HOSTS); how many resources one
 * server's connection keeps subscribed (MAESTRO_MCP_MAX_SUBSCRIPTIONS, default 100; the least recently read
 * beyond it is unsubscribed).
 */
public record McpSettings(int pingMillis, int backoffMillis, int maxBackoffMillis, int requestTimeoutSeconds,
                          OutboundPolicy outbound, int maxSubscriptions) {
  public static final int DEFAULT_MAX_SUBSCRIPTIONS = 100;

  public McpSettings(int pingMillis, int backoffMillis, int maxBackoffMillis, int requestTimeoutSeconds, OutboundPolicy outbound) {
    this(pingMillis, backoffMillis, maxBackoffMillis, requestTimeoutSeconds, outbound, DEFAULT_MAX_SUBSCRIPTIONS);
  }

  /** With the outbound policy of the environment (MAESTRO_ALLOWED_PRIVATE_HOSTS). */
  public McpSettings(int pingMillis, int backoffMillis, int maxBackoffMillis, int requestTimeoutSeconds) {
    this(pingMillis, backoffMillis, maxBackoffMillis, requestTimeoutSeconds, MaestroConfig.fromEnvironment().outboundPolicy());
  }

  public static McpSettings from(JsonObject config) {
    Settings s = Settings.of(config);
    int most = Integer.MAX_VALUE;
    return new McpSettings(s.integer("MAESTRO_MCP_PING_MS", 15000, 1, most), s.integer("MAESTRO_MCP_BACKOFF_MS", 1000, 1, most),
        s.integer("MAESTRO_MCP_MAX_BACKOFF_MS", 60000, 1, most), s.integer("MAESTRO_MCP_REQUEST_TIMEOUT_SECONDS", 60, 1, most),
        MaestroConfig.of(config).outboundPolicy(), s.integer("MAESTRO_MCP_MAX_SUBSCRIPTIONS", DEFAULT_MAX_SUBSCRIPTIONS, 1, 10_000));
  }
}
