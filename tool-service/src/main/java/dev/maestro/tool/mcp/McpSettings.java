package dev.maestro.tool.mcp;

import dev.maestro.platform.MaestroConfig;
import dev.maestro.platform.net.OutboundPolicy;
import io.vertx.core.json.JsonObject;

/**
 * MCP client timing: MAESTRO_MCP_PING_MS (default 15000: how often a connected server is pinged
 * to notice it died), MAESTRO_MCP_BACKOFF_MS (first reconnect delay, default 1000, doubling up to
 * MAESTRO_MCP_MAX_BACKOFF_MS, default 60000) and MAESTRO_MCP_REQUEST_TIMEOUT_SECONDS (default 60); and which
 * server URLs may be reached ({@link OutboundPolicy}, MAESTRO_ALLOWED_PRIVATE_HOSTS).
 */
public record McpSettings(int pingMillis, int backoffMillis, int maxBackoffMillis, int requestTimeoutSeconds,
                          OutboundPolicy outbound) {

  /** With the outbound policy of the environment (MAESTRO_ALLOWED_PRIVATE_HOSTS). */
  public McpSettings(int pingMillis, int backoffMillis, int maxBackoffMillis, int requestTimeoutSeconds) {
    this(pingMillis, backoffMillis, maxBackoffMillis, requestTimeoutSeconds, MaestroConfig.fromEnvironment().outboundPolicy());
  }

  public static McpSettings from(JsonObject config) {
    return new McpSettings(num(config, "MAESTRO_MCP_PING_MS", 15000), num(config, "MAESTRO_MCP_BACKOFF_MS", 1000),
        num(config, "MAESTRO_MCP_MAX_BACKOFF_MS", 60000), num(config, "MAESTRO_MCP_REQUEST_TIMEOUT_SECONDS", 60),
        MaestroConfig.of(config).outboundPolicy());
  }

  private static int num(JsonObject config, String name, int def) {
    Object v = config == null ? null : config.getValue(name);
    if (v == null) v = System.getProperty(name, System.getenv(name));
    if (v == null) return def;
    try {
      return Math.max(1, Integer.parseInt(String.valueOf(v).trim()));
    } catch (NumberFormatException e) {
      throw new dev.maestro.platform.StartupException(name + " must be a number, got '" + v + "'");
    }
  }
}
