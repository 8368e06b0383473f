package dev.maestro.tool;

import io.vertx.core.json.JsonObject;

/**
 * tool-service's own settings, read from the verticle config or else the environment:
 * MAESTRO_TOOL_OUTPUT_CAP (bytes of run_command output kept, default 65536) and
 * MAESTRO_TOOL_SANDBOX ("auto" or "rlimits", default auto).
 */
public record ToolConfig(int outputCap, String sandbox) {
  public static final String OUTPUT_CAP = "MAESTRO_TOOL_OUTPUT_CAP";
  public static final String SANDBOX = "MAESTRO_TOOL_SANDBOX";

  public static ToolConfig from(JsonObject config) {
    String cap = value(config, OUTPUT_CAP, "65536");
    int outputCap;
    try {
      outputCap = Math.max(1024, Integer.parseInt(cap.trim()));
    } catch (NumberFormatException e) {
      throw new dev.maestro.platform.StartupException(OUTPUT_CAP + " must be a number of bytes, got '" + cap + "'");
    }
    return new ToolConfig(outputCap, value(config, SANDBOX, "auto"));
  }

  private static String value(JsonObject config, String name, String def) {
    Object v = config == null ? null : config.getValue(name);
    if (v == null) v = System.getProperty(name, System.getenv(name));
    return v == null || String.valueOf(v).isBlank() ? def : String.valueOf(v);
  }
}
