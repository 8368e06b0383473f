package dev.maestro.tool;

import dev.maestro.tool.builtin.FileTools;
import dev.maestro.tool.builtin.SandboxSettings;
import io.vertx.core.json.JsonObject;

/**
 * tool-service's own settings, read from the verticle config or else the environment:
 * MAESTRO_TOOL_OUTPUT_CAP (bytes of run_command output kept, default 65536), the sandbox
 * ({@link SandboxSettings}: MAESTRO_SANDBOX and its limits), MAESTRO_TOOL_GLOB_DEADLINE_MS (how long a
 * glob may walk, default 5000) and MAESTRO_TOOL_GLOB_MAX_RESULTS (matches before it stops, default 1000).
 */
public record ToolConfig(int outputCap, SandboxSettings sandbox, FileTools.GlobLimits glob) {
  public static final String OUTPUT_CAP = "MAESTRO_TOOL_OUTPUT_CAP";

  public static ToolConfig from(JsonObject config) {
    return new ToolConfig(Math.max(1024, num(config, OUTPUT_CAP, 65536)), SandboxSettings.from(config),
        new FileTools.GlobLimits(num(config, "MAESTRO_TOOL_GLOB_DEADLINE_MS", 5000), num(config, "MAESTRO_TOOL_GLOB_MAX_RESULTS", 1000)));
  }

  private static int num(JsonObject config, String name, int def) {
    String v = value(config, name, String.valueOf(def));
    try {
      int n = Integer.parseInt(v.trim());
      if (n < 1) throw new NumberFormatException();
      return n;
    } catch (NumberFormatException e) {
      throw new dev.maestro.platform.StartupException(name + " must be a positive number, got '" + v + "'");
    }
  }

  private static String value(JsonObject config, String name, String def) {
    Object v = config == null ? null : config.getValue(name);
    if (v == null) v = System.getProperty(name, System.getenv(name));
    return v == null || String.valueOf(v).isBlank() ? def : String.valueOf(v);
  }
}
