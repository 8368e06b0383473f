package dev.maestro.gateway;

import io.vertx.core.json.JsonObject;

/**
 * The gateway's own knobs (beyond {@link dev.maestro.platform.MaestroConfig}). Each is read from the
 * verticle config, then a same-named system property, then the environment, then the default.
 */
public record GatewaySettings(
    int bodyLimitBytes,
    int apiPerMinute,
    int sendsPerMinute,
    int loginMaxPerUser,
    int loginMaxPerAddress,
    int loginWindowSeconds,
    int wsMaxQueuedFrames,
    int wsHeartbeatSeconds,
    int presenceTtlSeconds,
    int argon2MemoryKb,
    int argon2Iterations,
    int wsFramesPerSecond,
    int wsFrameBurst) {

  public static final String BODY_LIMIT = "MAESTRO_BODY_LIMIT_BYTES";
  public static final String API_PER_MINUTE = "MAESTRO_RATE_API_PER_MINUTE";
  public static final String SENDS_PER_MINUTE = "MAESTRO_RATE_SENDS_PER_MINUTE";
  public static final String LOGIN_MAX_PER_USER = "MAESTRO_LOGIN_MAX_PER_USER";
  public static final String LOGIN_MAX_PER_ADDRESS = "MAESTRO_LOGIN_MAX_PER_ADDRESS";
  public static final String LOGIN_WINDOW = "MAESTRO_LOGIN_WINDOW_SECONDS";
  public static final String WS_MAX_QUEUED = "MAESTRO_WS_MAX_QUEUED_FRAMES";
  public static final String WS_HEARTBEAT = "MAESTRO_WS_HEARTBEAT_SECONDS";
  public static final String PRESENCE_TTL = "MAESTRO_PRESENCE_TTL_SECONDS";
  public static final String ARGON2_MEMORY_KB = "MAESTRO_ARGON2_MEMORY_KB";
  public static final String ARGON2_ITERATIONS = "MAESTRO_ARGON2_ITERATIONS";
  public static final String WS_FRAMES_PER_SECOND = "MAESTRO_WS_FRAMES_PER_SECOND";
  public static final String WS_FRAME_BURST = "MAESTRO_WS_FRAME_BURST";

  public static GatewaySettings from(JsonObject config) {
    return new GatewaySettings(
        read(config, BODY_LIMIT, 1 << 20),
        read(config, API_PER_MINUTE, 1200),
        read(config, SENDS_PER_MINUTE, 60),
        read(config, LOGIN_MAX_PER_USER, 10),
        read(config, LOGIN_MAX_PER_ADDRESS, 50),
        read(config, LOGIN_WINDOW, 300),
        read(config, WS_MAX_QUEUED, 4096),
        read(config, WS_HEARTBEAT, 20),
        read(config, PRESENCE_TTL, 60),
        read(config, ARGON2_MEMORY_KB, 19 * 1024),
        read(config, ARGON2_ITERATIONS, 2),
        read(config, WS_FRAMES_PER_SECOND, 20),
        read(config, WS_FRAME_BURST, 40));
  }

  private static int read(JsonObject config, String name, int def) {
    Object v = config == null ? null : config.getValue(name);
    String s = v != null ? String.valueOf(v) : System.getProperty(name, System.getenv(name));
    if (s == null || s.isBlank()) return def;
    try {
      return Integer.parseInt(s.trim());
    } catch (NumberFormatException e) {
      throw new dev.maestro.platform.StartupException(name + " must be a number, got '" + s + "'");
    }
  }
}
