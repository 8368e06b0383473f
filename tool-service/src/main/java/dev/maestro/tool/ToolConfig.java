package dev.maestro.tool;

import dev.maestro.tool.builtin.FileTools;
import dev.maestro.tool.builtin.SandboxSettings;
import dev.maestro.platform.Settings;
import io.vertx.core.json.JsonObject;

/**
 * tool-service's own settings, read through {@link Settings} (verticle config, else the environment):
 * MAESTRO_TOOL_OUTPUT_CAP (bytes of run_command output kept, default 65536), the sandbox
 * ({@link SandboxSettings}: MAESTRO_SANDBOX and its limits), MAESTRO_TOOL_GLOB_DEADLINE_MS (how long a
 * glob may walk, default 5000) and MAESTRO_TOOL_GLOB_MAX_RESULTS (matches before it stops, default 1000).
 */
public record ToolConfig(int outputCap, SandboxSettings sandbox, FileTools.GlobLimits glob) {
  public static final String OUTPUT_CAP = "MAESTRO_TOOL_OUTPUT_CAP";

  public static ToolConfig from(JsonObject config) {
    Settings s = Settings.of(config);
    int most = Integer.MAX_VALUE;
    return new ToolConfig(Math.max(1024, (int) s.bytes(OUTPUT_CAP, 65536, 1, most)), SandboxSettings.from(config),
        new FileTools.GlobLimits(s.integer("MAESTRO_TOOL_GLOB_DEADLINE_MS", 5000, 1, most),
            s.integer("MAESTRO_TOOL_GLOB_MAX_RESULTS", 1000, 1, most)));
  }
}
