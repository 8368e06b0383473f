package dev.maestro.tool.builtin;

import dev.maestro.platform.Settings;
import io.vertx.core.json.JsonObject;

/**
 * How commands and stdio MCP servers are confined, read through {@link Settings} (verticle config or environment):
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
    Settings s = Settings.of(config);
    String mode = s.oneOf(MODE, "bubblewrap", "none");
    long most = Long.MAX_VALUE;
    return new SandboxSettings(mode.equals("none"), s.string("MAESTRO_SANDBOX_BWRAP", "bwrap"),
        s.whole("MAESTRO_SANDBOX_MEMORY_MB", 4096, 1, most), s.whole("MAESTRO_SANDBOX_CPU_SECONDS", 1800, 1, most),
        s.whole("MAESTRO_SANDBOX_MAX_PROCESSES", 1024, 1, most), s.whole("MAESTRO_SANDBOX_FILE_SIZE_MB", 2048, 1, most),
        s.whole("MAESTRO_SANDBOX_OPEN_FILES", 4096, 1, most), s.integer("MAESTRO_SANDBOX_UID", 65534, 1, Integer.MAX_VALUE));
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
}
