package dev.maestro.tool.builtin;

import dev.maestro.platform.StartupException;
import io.vertx.core.json.JsonObject;

/**
 * How commands and stdio MCP servers are confined, read from the verticle config or the environment:
 * <ul>
 *   <li>{@code MAESTRO_SANDBOX}: {@code bubblewrap} (default; when it cannot run, nothing runs) or
 *       {@code none} (the admin accepts unconfined commands; logged as a warning and reported).</li>
 *   <li>{@code MAESTRO_SANDBOX_BWRAP}: the bwrap executable (default {@code bwrap} on the PATH).</li>
 *   <li>Hard limits of every sandboxed process (setrlimit through {@code prlimit}, soft = hard):
 *       {@code MAESTRO_SANDBOX_MEMORY_MB} address space (4096), {@code MAESTRO_SANDBOX_CPU_SECONDS} CPU
 *       time (1800), {@code MAESTRO_SANDBOX_MAX_PROCESSES} processes/threads (1024),
 *       {@code MAESTRO_SANDBOX_FILE_SIZE_MB} largest file written (2048), {@code MAESTRO_SANDBOX_OPEN_FILES} (4096).</li>
 *   <li>{@code MAESTRO_SANDBOX_UID}: the unprivileged uid/gid the sandboxed process switches to when
 *       tool-service itself runs as root (default 65534, "nobody"): root ignores RLIMIT_NPROC.</li>
 * </ul>
 */
public record SandboxSettings(boolean none, String bwrap, long memoryMb, long cpuSeconds, long maxProcesses,
                              long fileSizeMb, long openFiles, int rootUid) {
  public static final String MODE = "MAESTRO_SANDBOX";

  public static SandboxSettings defaults() {
    return from(new JsonObject().put(MODE, "bubblewrap"));
  }

  public static SandboxSettings from(JsonObject config) {
    String mode = value(config, MODE, "bubblewrap").trim().toLowerCase(java.util.Locale.ROOT);
    if (!mode.equals("bubblewrap") && !mode.equals("none")) {
      throw new StartupException(MODE + " must be 'bubblewrap' (the default) or 'none', got '" + mode + "'");
    }
    return new SandboxSettings(mode.equals("none"), value(config, "MAESTRO_SANDBOX_BWRAP", "bwrap"),
        num(config, "MAESTRO_SANDBOX_MEMORY_MB", 4096), num(config, "MAESTRO_SANDBOX_CPU_SECONDS", 1800),
        num(config, "MAESTRO_SANDBOX_MAX_PROCESSES", 1024), num(config, "MAESTRO_SANDBOX_FILE_SIZE_MB", 2048),
        num(config, "MAESTRO_SANDBOX_OPEN_FILES", 4096), (int) num(config, "MAESTRO_SANDBOX_UID", 65534));
  }

  public SandboxSettings withBwrap(String path) {
    return new SandboxSettings(none, path, memoryMb, cpuSeconds, maxProcesses, fileSizeMb, openFiles, rootUid);
  }

  public SandboxSettings withLimits(long memoryMb, long cpuSeconds, long maxProcesses, long fileSizeMb) {
    return new SandboxSettings(none, bwrap, memoryMb, cpuSeconds, maxProcesses, fileSizeMb, openFiles, rootUid);
  }

  public SandboxSettings unconfined() {
    return new SandboxSettings(true, bwrap, memoryMb, cpuSeconds, maxProcesses, fileSizeMb, openFiles, rootUid);
  }

  private static String value(JsonObject config, String name, String def) {
    Object v = config == null ? null : config.getValue(name);
    if (v == null) v = System.getProperty(name, System.getenv(name));
    return v == null || String.valueOf(v).isBlank() ? def : String.valueOf(v);
  }

  private static long num(JsonObject config, String name, long def) {
    String v = value(config, name, String.valueOf(def));
    try {
      long n = Long.parseLong(v.trim());
      if (n < 1) throw new NumberFormatException();
      return n;
    } catch (NumberFormatException e) {
      throw new StartupException(name + " must be a positive whole number, got '" + v + "'");
    }
  }
}
